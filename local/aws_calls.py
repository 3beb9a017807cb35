"""Counting the AWS requests a block of code makes (tests and benchmarks), by patching botocore's
one entry point for every call."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DynamoDBCalls:
    """AWS requests by operation (DynamoDB's, and any other service's the code calls), those that
    failed (a cancelled transaction, a failed condition), and (when asked for) the DynamoDB capacity
    units they consumed: the table's and its indexes', transactions as billed (below)."""

    requests: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    read_units: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)


WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
Call = Callable[[Any, str, dict[str, Any]], Any]


@contextmanager
def counting_dynamodb(consumed_capacity: bool = False) -> Iterator[DynamoDBCalls]:
    """Counts every botocore call; with consumed_capacity, asks DynamoDB's reads and writes for
    ReturnConsumedCapacity=INDEXES (which changes the requests, so never inside a timed section)."""
    import botocore.client

    calls = DynamoDBCalls()
    original: Call = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        ask = consumed_capacity and operation in WRITES | READS
        transaction = ask and operation == "TransactWriteItems"
        before = TransactionItems.read(client, original, params) if transaction else None
        try:
            response = original(
                client, operation, {**params, "ReturnConsumedCapacity": "INDEXES"} if ask else params
            )
        except Exception:
            with calls._lock:
                calls.requests[operation] += 1
                calls.failed[operation] += 1
            raise
        if before is not None:
            units = before.billed_units(client, original, TransactionItems.read(client, original, params))
        else:
            units = _capacity_units(response.get("ConsumedCapacity")) if ask else 0.0
        with calls._lock:
            calls.requests[operation] += 1
            if operation in WRITES:
                calls.write_units += units
            else:
                calls.read_units += units
        return response

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original


def _capacity_units(consumed: Any) -> float:
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(entry.get("CapacityUnits", 0.0) for entry in entries))


# -- transactions --------------------------------------------------------------------------------
# DynamoDB Local answers a TransactWriteItems with a figure that does not follow its items (8.0
# for two items or for four; 2.0 for ten small ones), so a transaction's units are worked out here
# from the items themselves, by DynamoDB's published rules: a write costs a unit per KB of the
# larger of the item's old and new versions, rounded up per item; each index entry written or
# removed costs a unit per KB of the entry; a transaction costs two of each (prepare and commit).
# Index upkeep inside a transaction is doubled too, the higher reading of the rules. An item's (or
# entry's) units are DynamoDB Local's own figure for a plain put of it into a scratch table of the
# same keys, so the size rule is the one it applies everywhere else.
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html


@dataclass(frozen=True)
class _Schema:
    table: str
    keys: tuple[str, ...]
    indexes: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]  # keys, projection, included
    scratch: str  # a table of the same keys and no index, where an item's plain put is measured


_SCHEMAS: dict[tuple[str, str], _Schema] = {}


def _schema(client: Any, call: Call, table: str) -> _Schema:
    endpoint = client.meta.endpoint_url
    if (endpoint, table) not in _SCHEMAS:
        described = call(client, "DescribeTable", {"TableName": table})["Table"]
        keys = tuple(key["AttributeName"] for key in described["KeySchema"])
        scratch = f"{table}-sizes"
        with contextlib.suppress(client.exceptions.ResourceInUseException):  # made by an earlier count
            call(
                client,
                "CreateTable",
                {
                    "TableName": scratch,
                    "KeySchema": described["KeySchema"],
                    "AttributeDefinitions": [
                        a for a in described["AttributeDefinitions"] if a["AttributeName"] in keys
                    ],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            )
        indexes = tuple(
            (
                tuple(key["AttributeName"] for key in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
                tuple(index["Projection"].get("NonKeyAttributes", ())),
            )
            for index in described.get("GlobalSecondaryIndexes", ())
        )
        _SCHEMAS[(endpoint, table)] = _Schema(table, keys, indexes, scratch)
    return _SCHEMAS[(endpoint, table)]


@dataclass(frozen=True)
class TransactionItems:
    """The items a transaction touches, as they stand (read without being counted)."""

    versions: tuple[tuple[_Schema, dict[str, Any] | None], ...]

    @classmethod
    def read(cls, client: Any, call: Call, params: Mapping[str, Any]) -> TransactionItems:
        versions = []
        for entry in params["TransactItems"]:
            action = next(iter(entry.values()))
            schema = _schema(client, call, action["TableName"])
            key = action.get("Key") or {name: action["Item"][name] for name in schema.keys}
            found = call(client, "GetItem", {"TableName": schema.table, "Key": key, "ConsistentRead": True})
            versions.append((schema, found.get("Item")))
        return cls(tuple(versions))

    def billed_units(self, client: Any, call: Call, after: TransactionItems) -> float:
        def units(schema: _Schema, item: dict[str, Any] | None) -> float:
            if item is None:
                return 0.0
            answer = call(
                client,
                "PutItem",
                {"TableName": schema.scratch, "Item": item, "ReturnConsumedCapacity": "TOTAL"},
            )
            return _capacity_units(answer.get("ConsumedCapacity"))

        total = 0.0
        for (schema, old), (_, new) in zip(self.versions, after.versions, strict=True):
            total += max(units(schema, old), units(schema, new), 1.0)
            for keys, projection, included in schema.indexes:
                written, removed = _index_change(schema.keys, keys, projection, included, old, new)
                total += units(schema, written) + units(schema, removed)
        return 2.0 * total


def _index_change(
    table_keys: tuple[str, ...],
    keys: tuple[str, ...],
    projection: str,
    included: tuple[str, ...],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The entry one index writes, and the one it removes, for an item going from ``old`` to
    ``new``: none when its entry is unchanged; the old one removed only when its key moved or the
    item left the index."""

    def entry(item: dict[str, Any] | None) -> dict[str, Any] | None:
        if item is None or any(key not in item for key in keys):
            return None  # a sparse index holds no entry for the item
        if projection == "ALL":
            return item
        kept = {*table_keys, *keys, *(included if projection == "INCLUDE" else ())}
        return {name: value for name, value in item.items() if name in kept}

    before, after = entry(old), entry(new)
    if before == after:
        return None, None
    moved = before is not None and after is not None and any(before[key] != after[key] for key in keys)
    return after, before if before is not None and (after is None or moved) else None
