"""Applying queued webhooks to the table: dispatch, retries on conflict, exactly-once effects."""
