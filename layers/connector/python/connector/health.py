"""The health check behind GET /health: answers after a real DynamoDB call, made at most once per
``CHECK_SECONDS`` per store (one per warm function), so that a flood of anonymous requests on
/health cannot turn into a flood of DynamoDB calls."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from connector.dal.store import Store

CHECK_SECONDS = 10.0
Answer = tuple[bool, dict[str, str]]
_last: weakref.WeakKeyDictionary[Store, tuple[float, Answer]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def check(store: Store, clock: Callable[[], float] = time.monotonic) -> Answer:
    """(healthy, body). Unhealthy when DynamoDB does not answer or the table is missing; the
    answer of the last call within ``CHECK_SECONDS`` is given again."""
    now = clock()
    with _lock:
        last = _last.get(store)
    if last is not None and now - last[0] < CHECK_SECONDS:
        return last[1]
    answer = _ping(store)
    with _lock:
        _last[store] = (now, answer)
    return answer


def _ping(store: Store) -> Answer:
    try:
        store.ping()
    except (PynamoDBException, BotoCoreError, ClientError, LookupError):
        return False, {"status": "unavailable", "dynamodb": "unavailable"}
    return True, {"status": "ok", "dynamodb": "ok"}
