"""Counting the AWS requests a block of code makes (tests and benchmarks), by patching botocore's
one entry point for every call."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DynamoDBCalls:
    """AWS requests by operation (DynamoDB's, and any other service's the code calls), those that
    failed (a cancelled transaction, a failed condition), and (when asked for) the DynamoDB capacity
    units they consumed: the table's and its indexes', transactions counted double, as billed."""

    requests: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)


WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


@contextmanager
def counting_dynamodb(consumed_capacity: bool = False) -> Iterator[DynamoDBCalls]:
    """Counts every botocore call; with consumed_capacity, asks DynamoDB's reads and writes for
    ReturnConsumedCapacity=INDEXES (which changes the requests, so never inside a timed section)."""
    import botocore.client

    calls = DynamoDBCalls()
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        ask = consumed_capacity and operation in WRITES | READS
        try:
            response = original(
                client, operation, {**params, "ReturnConsumedCapacity": "INDEXES"} if ask else params
            )
        except Exception:
            with calls._lock:
                calls.requests[operation] += 1
                calls.failed[operation] += 1
            raise
        with calls._lock:
            calls.requests[operation] += 1
            if ask and operation in WRITES:
                calls.write_units += _capacity_units(response.get("ConsumedCapacity")) * _billed_items(
                    operation, params
                )
            elif ask:
                calls.read_units += _capacity_units(response.get("ConsumedCapacity"))
        return response

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


def _billed_items(operation: str, params: dict[str, Any]) -> int:
    """DynamoDB Local answers a TransactWriteItems with the units of one of its items (10 puts of
    small items: 2.0), where DynamoDB bills two units a KB for every item of it (20.0): its answer
    is scaled by the number of items (tests/integration/test_dynamodb_local.py measures it)."""
    return len(params.get("TransactItems", ())) if operation == "TransactWriteItems" else 1


def _capacity_units(consumed: Any) -> float:
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(entry.get("CapacityUnits", 0.0) for entry in entries))
