"""Inbound webhooks: signature checks, the senders' payload models, and the queued message."""
