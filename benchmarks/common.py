"""What every benchmark shares: the flag, a local table, interleaved medians and the figure format.

Importing this module first points the environment at a closed loopback port (as the test session
does), so nothing a benchmark imports can reach AWS or print metrics.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.dynamodb import DynamoDBLocal, ensure_table, local_environment

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT = "http://127.0.0.1:9"
OFFLINE_ENVIRONMENT = {
    **local_environment(endpoint=CLOSED_PORT, table_name="unset"),
    "TIKTOK_API_BASE_URL": CLOSED_PORT,
    "TIKTOK_AUTH_BASE_URL": CLOSED_PORT,
    "SHOPIFY_ADMIN_BASE_URL": CLOSED_PORT + "/{shop}",
}
os.environ.update(OFFLINE_ENVIRONMENT)
os.environ.pop("AWS_PROFILE", None)


@dataclass(frozen=True)
class Figure:
    """One measured figure against its same-run baseline; ratio = value / baseline."""

    benchmark: str
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: tuple[str, float] | None = None  # ("<=", 1.2) or (">=", 0.5), on the ratio
    also: Mapping[str, str] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        op, limit = self.target
        return self.ratio <= limit if op == "<=" else self.ratio >= limit

    def verdict(self) -> str:
        if self.target is None:
            return "-"
        return f"{self.target[0]} {self.target[1]:g}: {'met' if self.met else 'NOT met'}"

    def lines(self) -> list[str]:
        out = [
            f"{self.benchmark} / {self.name}: {_number(self.value)} {self.unit}",
            f"    baseline ({self.baseline_name}): {_number(self.baseline)} {self.unit}",
            f"    ratio: {self.ratio:.3g}   target {self.verdict()}",
        ]
        out += [f"    {key}: {value}" for key, value in self.also.items()]
        return out


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def print_figures(figures: Sequence[Figure]) -> None:
    for figure in figures:
        print("\n".join(figure.lines()), flush=True)


def quick_flag(description: str) -> bool:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small enough for CI")
    return bool(parser.parse_args().quick)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def interleaved(measures: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each measure once per round, the order rotated every round, so drift hits all alike."""
    names = list(measures)
    results: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            results[name].append(measures[name]())
    return results


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


@contextmanager
def local_table() -> Iterator[Any]:
    """DynamoDB Local in memory on a free port, a fresh table, and the shipped code pointed at it;
    yields the store. Everything is stopped and forgotten afterwards."""
    from connector.dal import factory
    from tests.helpers import forget_cached_configuration

    with DynamoDBLocal() as database:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        ensure_table(database.endpoint, name)
        os.environ.update(local_environment(database.endpoint, name))
        forget_cached_configuration()
        try:
            yield factory.get_store()
        finally:
            os.environ.update(OFFLINE_ENVIRONMENT)
            forget_cached_configuration()


@contextmanager
def quiet_logs() -> Iterator[None]:
    """The handlers still format every log line and metric (that cost is real), but into /dev/null."""
    from connector.observability import logger

    handler = logger.registered_handler
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), warnings.catch_warnings():
        # Powertools warns when a handler published no metric (they are disabled locally).
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        previous = handler.setStream(sink)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            handler.setStream(previous)  # type: ignore[attr-defined]


@dataclass
class DynamoDBCalls:
    """DynamoDB requests by operation and (when asked for) the write units they consumed."""

    requests: Counter[str] = field(default_factory=Counter)
    write_units: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)


WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})


@contextmanager
def counting_dynamodb(consumed_capacity: bool = False) -> Iterator[DynamoDBCalls]:
    """Counts every botocore call; with consumed_capacity, asks writes for ReturnConsumedCapacity
    (which changes the requests, so never inside a timed section)."""
    import botocore.client

    calls = DynamoDBCalls()
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        ask = consumed_capacity and operation in WRITES
        response = original(
            client, operation, {**params, "ReturnConsumedCapacity": "TOTAL"} if ask else params
        )
        with calls._lock:
            calls.requests[operation] += 1
            if ask:
                calls.write_units += _write_units(response.get("ConsumedCapacity"))
        return response

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def _write_units(consumed: Any) -> float:
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    return float(sum(entry.get("CapacityUnits", 0.0) for entry in entries))
