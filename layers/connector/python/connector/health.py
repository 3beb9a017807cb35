"""The health check behind GET /health: answers only after a real DynamoDB call."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from connector.dal.store import Store


def check(store: Store) -> tuple[bool, dict[str, str]]:
    """(healthy, body). Unhealthy when DynamoDB does not answer or the table is missing."""
    try:
        store.ping()
    except (PynamoDBException, BotoCoreError, ClientError, LookupError):
        return False, {"status": "unavailable", "dynamodb": "unavailable"}
    return True, {"status": "ok", "dynamodb": "ok"}
