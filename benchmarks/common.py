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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

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


def run_as_script(run: Callable[[bool], Sequence[Figure]], description: str | None) -> None:
    """What `python -m benchmarks.<name> [--quick]` does: the benchmark's run, its figures printed."""
    print_figures(run(quick_flag(description or "")))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


T = TypeVar("T")


def interleaved(measures: Mapping[str, Callable[[], T]], rounds: int) -> dict[str, list[T]]:
    """Each measure once per round, the order rotated every round, so drift hits all alike."""
    names = list(measures)
    results: dict[str, list[T]] = {name: [] for name in names}
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
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """These variables set for the block, and what they were before put back after it."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dashboard_reads(events: Mapping[str, dict[str, Any]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds the dashboard function takes to answer each prepared request (by name),
    ``rounds`` times, interleaved."""
    from functions.dashboard.handler import lambda_handler
    from local.lambda_context import LocalLambdaContext

    context = LocalLambdaContext("dashboard")

    def latency(event: dict[str, Any]) -> float:
        answer: dict[str, Any] = {}
        seconds = timed(lambda: answer.update(lambda_handler(event, context)))
        assert answer["statusCode"] == 200, answer
        return seconds * 1000

    return interleaved({name: partial(latency, event) for name, event in events.items()}, rounds)


def merchant_get(shop: str, path: str) -> dict[str, Any]:
    """The API Gateway event of the merchant's page asking for ``path``, with a session token."""
    from local.server import proxy_event
    from local.token import mint

    headers = [("Authorization", f"Bearer {mint(shop)}"), ("Accept", "application/json")]
    return proxy_event("GET", path, headers, b"", "127.0.0.1")


@contextmanager
def local_table() -> Iterator[Any]:
    """DynamoDB Local in memory on a free port, a fresh table, and the shipped code pointed at it;
    yields the store. Everything is stopped and forgotten afterwards."""
    from connector.wiring import process_ports
    from tests.helpers import forget_cached_configuration

    with DynamoDBLocal() as database:
        name = f"bench-{uuid.uuid4().hex[:8]}"
        ensure_table(database.endpoint, name)
        os.environ.update(local_environment(database.endpoint, name))
        forget_cached_configuration()
        try:
            yield process_ports().store
        finally:
            os.environ.update(OFFLINE_ENVIRONMENT)
            forget_cached_configuration()


class ConcurrentConsumers:
    """A queue consumed like Lambda consumes SQS with a maximum concurrency: `workers` in-process
    queues (one consumer thread each) in turn take what is sent."""

    def __init__(self, name: str, consumer: Callable[..., Any], workers: int, batch_size: int) -> None:
        from local.queue import InProcessQueue

        self.lanes = [
            InProcessQueue(f"{name}-{i}", consumer, batch_size=batch_size, retry_delay=0.05)
            for i in range(workers)
        ]
        self._turn = 0
        self._sent = 0
        self._lock = threading.Lock()

    def send(self, body: str, delay_seconds: int = 0) -> None:
        with self._lock:
            lane = self.lanes[self._turn % len(self.lanes)]
            self._turn += 1
            self._sent += 1
        lane.send(body, delay_seconds)

    def start(self) -> ConcurrentConsumers:
        for lane in self.lanes:
            lane.start()
        return self

    def stop(self) -> None:
        for lane in self.lanes:
            lane.stop()

    def drain(self, timeout: float = 30.0) -> None:
        """Until a whole pass over the lanes saw nothing new sent: a job in one lane may queue the
        next into a lane already drained."""
        deadline = time.monotonic() + timeout
        while True:
            sent = self._sent
            for lane in self.lanes:
                lane.drain(timeout=max(0.0, deadline - time.monotonic()))
            if self._sent == sent:
                return

    @property
    def dead_letters(self) -> list[str]:
        return [body for lane in self.lanes for body in lane.dead_letters]


@dataclass(frozen=True)
class LocalConnector:
    api_url: str
    tiktok: Any  # local.sandboxes.tiktok.TikTokSandbox
    shopify: Any  # local.sandboxes.shopify.ShopifySandbox
    events: Any  # local.queue.InProcessQueue, consumed by the real processor function
    jobs: ConcurrentConsumers  # consumed by the real jobs function
    syncs: ConcurrentConsumers | None  # the order and stock queue, when it is not the jobs queue

    def drain_work(self, timeout: float) -> None:
        """Until both work queues are empty (a job on one may queue work on the other)."""
        for _ in range(3):
            self.jobs.drain(timeout=timeout)
            if self.syncs is not None:
                self.syncs.drain(timeout=timeout)


@contextmanager
def local_connector(
    jobs_workers: int = 1,
    jobs_batch: int = 10,
    syncs_workers: int | None = None,
) -> Iterator[LocalConnector]:
    """Inside local_table(): what `make run` runs (the local API Gateway calling the real handlers,
    both partner sandboxes, the events and jobs queues consumed by the real processor and jobs
    functions), with the shipped code pointed at it; everything is stopped afterwards. With
    ``syncs_workers``, order and stock work has a queue of its own (as deployed), of that many
    concurrent batches of ``jobs_batch``; without, the jobs queue takes it too."""
    from connector.wiring import process_ports, use_process_ports
    from functions.jobs.handler import lambda_handler as jobs_function
    from functions.processor.handler import lambda_handler as processor
    from local.dynamodb import LOCAL_APP_CONFIG as APP
    from local.queue import InProcessQueue
    from local.sandboxes.shopify import ShopifySandbox
    from local.sandboxes.tiktok import TikTokSandbox
    from local.server import LocalApiServer
    from tests.contract_gaps import KNOWN_GAPS
    from tests.helpers import forget_cached_configuration

    server = LocalApiServer(port=0).start()
    # The sandboxes judge every request by the platforms' contracts; today's known gaps (the tests'
    # one allowlist) go through as in the tests, so the figures measure the same flow.
    # Shops register their TikTok webhooks when they connect (PUBLIC_API_URL: this server).
    tiktok = TikTokSandbox(APP["TIKTOK_APP_KEY"], APP["TIKTOK_APP_SECRET"])
    # A Plus-sized Shopify bucket, as the tests use: the client's budgeting is not the figure.
    shopify = ShopifySandbox(
        APP["SHOPIFY_API_KEY"],
        APP["SHOPIFY_API_SECRET"],
        webhook_url=f"{server.url}/webhooks/shopify",
        bucket_size=20000,
        restore_rate=1000,
    )
    events = InProcessQueue("events", processor, retry_delay=0.05)
    jobs = ConcurrentConsumers("jobs", jobs_function, jobs_workers, jobs_batch)
    syncs = ConcurrentConsumers("syncs", jobs_function, syncs_workers, jobs_batch) if syncs_workers else None
    tiktok.contract.tolerate(KNOWN_GAPS)
    tiktok.start()
    shopify.start()
    partners = {
        "TIKTOK_API_BASE_URL": tiktok.url,
        "TIKTOK_AUTH_BASE_URL": tiktok.url,
        "TIKTOK_AUTHORIZE_URL": f"{tiktok.url}/open/authorize",
        "TIKTOK_AUTHORIZE_URL_US": f"{tiktok.url}/us/open/authorize",
        "SHOPIFY_ADMIN_BASE_URL": shopify.admin_base_url,
        "SHOPIFY_IMAGE_HOSTS": shopify.image_host,
        "PUBLIC_API_URL": server.url,
    }
    with environment(partners):
        forget_cached_configuration()
        outside = process_ports()
        lanes = {"jobs": jobs.start()} | ({"syncs": syncs.start()} if syncs else {})
        use_process_ports(outside.replace(events=events.start(), **lanes))
        try:
            yield LocalConnector(server.url, tiktok, shopify, events, jobs, syncs)
        finally:
            # No new batches, TikTok (no more audits or webhooks), the consumers, what they call. A
            # batch in flight may still meet a stopped sandbox: its retry never comes, quietly.
            events.pause()
            with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
                tiktok.stop()
                for lane in lanes.values():
                    lane.stop()
                events.stop()
            use_process_ports(outside)
            server.stop()
            shopify.stop()
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
