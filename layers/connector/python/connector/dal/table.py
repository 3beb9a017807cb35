"""What every part of the store does with the one table: read an item, list a page, apply a
conditional write, read why a transaction was cancelled, retry one that only collided."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Generic, ParamSpec, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from connector.dal import keys
from connector.dal.rows import ByKindIndex, ByStatusIndex, ListedRow, TableRow
from connector.values import Value

T = TypeVar("T")
R = TypeVar("R", bound=TableRow)
F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
# DynamoDB's LastEvaluatedKey, in its wire form ({"pk": {"S": "..."}, ...}).
PageKey = dict[str, Any]

MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
CONFLICT_RETRIES = 10
# The reason a cancelled transaction gives for an item whose condition failed.
CONDITION_FAILED = "ConditionalCheckFailed"


class Page(Value, Generic[T], frozen=True):
    items: list[T]
    next_key: PageKey | None  # None on the last page


def now() -> str:
    return datetime.now(UTC).isoformat()


def connection() -> Connection:
    # The connection PynamoDB built for the bound table (same endpoint, region and session).
    return TableRow._get_connection().connection


def get(row_type: type[Any], pk: str, sk: str) -> Any | None:
    try:  # strongly consistent: what we read decides a conditional write
        return row_type.get(pk, sk, consistent_read=True)
    except row_type.DoesNotExist:
        return None


def applied(write: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> bool:
    """Call a row's conditional ``save``, ``update`` or ``delete`` with these arguments: False when
    its condition failed (nothing was written), True when it was applied. Other errors propagate."""
    try:
        write(*args, **kwargs)
    except (PutError, UpdateError, DeleteError) as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def cancellation_codes(error: TransactWriteError) -> list[str]:
    """Why each item of a cancelled transaction was refused, in the order they were written
    ("None" for an item that was not); empty when the transaction was not cancelled."""
    return [reason.code if reason else "None" for reason in error.cancellation_reasons]


def condition_failed(error: TransactWriteError, index: int) -> bool:
    """Whether the transaction was cancelled because the condition of its item ``index`` (in the
    order written; -1 for the last) failed."""
    codes = cancellation_codes(error)
    return -len(codes) <= index < len(codes) and codes[index] == CONDITION_FAILED


def retry_on_conflict(method: F) -> F:
    """Run a transactional write again when it only collided with a concurrent transaction on the
    same item (many workers updating one activity or plan); a failed condition is the method's."""

    @functools.wraps(method)
    def retried(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(CONFLICT_RETRIES):
            try:
                return method(*args, **kwargs)
            except TransactWriteError as error:
                codes = set(cancellation_codes(error))
                conflict = (
                    "TransactionConflict" in codes
                    or error.cause_response_code == "TransactionConflictException"
                )
                if not conflict or CONDITION_FAILED in codes or attempt == CONFLICT_RETRIES - 1:
                    raise
                time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter, not security
        raise AssertionError("unreachable")

    return retried  # type: ignore[return-value]


def newest_first(
    row_type: type[ListedRow],
    shop: str,
    kind: str,
    status: str | None,
    limit: int,
    start: PageKey | None,
) -> Page[Any]:
    """One page of a listing, newest first, by status (by_status) or of every status (by_kind).

    Asks for one item more than the page holds, so that the last page says it is the last.
    """
    index: ByKindIndex | ByStatusIndex
    if status is None:
        index, index_pk, index_sk = row_type.by_kind, "gsi2pk", "gsi2sk"
    else:
        index, index_pk, index_sk = row_type.by_status, "gsi1pk", "gsi1sk"
    partition = keys.listing_pk(shop, kind, status)
    listed = list(
        index.query(
            partition,
            scan_index_forward=False,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start,
        )
    )
    # The index lags the table a little: an item that left this listing since is left out.
    rows = [row for row in rows_by_key(row_type, listed[:limit]) if getattr(row, index_pk) == partition]
    if len(listed) <= limit:
        return Page(rows, None)
    last = listed[limit - 1]
    next_key = {
        name: {"S": getattr(last, attr)}
        for attr, name in (
            ("pk", "pk"),
            ("sk", "sk"),
            (index_pk, _wire(index_pk)),
            (index_sk, _wire(index_sk)),
        )
    }
    return Page(rows, next_key)


def rows_by_key(row_type: type[R], listed: Iterable[TableRow]) -> list[R]:
    """The whole items of what an index listed (it holds keys only), in the listing's order; one
    that went in between is left out. BatchGetItem, strongly consistent, 100 keys a request."""
    wanted = [(row.pk, row.sk) for row in listed]
    found = {(row.pk, row.sk): row for row in row_type.batch_get(wanted, consistent_read=True)}
    return [found[key] for key in wanted if key in found]


def _wire(attribute: str) -> str:
    return ListedRow.get_attributes()[attribute].attr_name
