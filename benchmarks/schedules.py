"""Schedules over 5,000 shops: each scheduled task run through its fan-out (the tick, pages of
shops, one message per shop, consumed by the real scheduler function from 4 in-process lanes, as
Lambda consumes the scheduled-work queue), against the same task walking every shop in one loop as
the scheduler did before the fan-out; both against DynamoDB Local and the TikTok sandbox (every
shop connected to it, its webhooks registered, every plan due for its roll-over). Also the longest
single invocation of the scheduler function, against Lambda's 300 s timeout: what the fan-out bounds.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from benchmarks.common import (
    ConcurrentConsumers,
    Figure,
    environment,
    local_table,
    quiet_logs,
    run_as_script,
    timed,
)

LANES = 4  # concurrent scheduler invocations (the deployed mapping allows 10)
LAMBDA_TIMEOUT_SECONDS = 300


@contextlib.contextmanager
def tiktok_sandbox() -> Iterator[Any]:
    """The TikTok sandbox with the shipped code pointed at it; audits never finish meanwhile."""
    from local.dynamodb import LOCAL_APP_CONFIG as APP
    from local.sandboxes.tiktok import TikTokSandbox
    from tests.contract_gaps import KNOWN_GAPS
    from tests.helpers import forget_cached_configuration

    sandbox = TikTokSandbox(APP["TIKTOK_APP_KEY"], APP["TIKTOK_APP_SECRET"], audit_delay_seconds=3600)
    sandbox.contract.tolerate(KNOWN_GAPS)
    sandbox.start()
    partners = {
        "TIKTOK_API_BASE_URL": sandbox.url,
        "TIKTOK_AUTH_BASE_URL": sandbox.url,
        "PUBLIC_API_URL": "http://127.0.0.1:9",
    }
    with environment(partners):
        forget_cached_configuration()
        try:
            yield sandbox
        finally:
            sandbox.stop()
    forget_cached_configuration()


def seed(ports: Any, sandbox: Any, count: int) -> list[str]:
    """``count`` installed shops, each connected to a TikTok sandbox shop of its own (tokens
    encrypted as a connection stores them, our webhooks registered there) with a plan due now."""
    from connector.domain.entities import InstallState, Plan, Shop, TikTokConnection
    from connector.tiktok_webhook_subscriptions import webhook_address
    from connector.webhooks.tiktok import EVENT_TYPES

    address, now = webhook_address(ports.settings), datetime.now(UTC).replace(microsecond=0)
    shops = []
    for n in range(count):
        domain = f"bench-{n:05d}-{uuid.uuid4().hex[:6]}.myshopify.com"
        tiktok_shop = sandbox.add_shop(name=domain)
        tiktok_shop.webhooks.update(
            {t: {"address": address, "create_time": 1, "update_time": 1} for t in EVENT_TYPES}
        )
        grant = sandbox.issue_token(tiktok_shop.shop_id)
        ports.store.save_shop(
            Shop(
                domain=domain,
                install_state=InstallState.INSTALLED,
                tiktok_shop_id=grant.shop_id,
                tiktok_shop_cipher=grant.shop_cipher,
                tiktok_connection=TikTokConnection.CONNECTED,
                tiktok_access_token_ciphertext=ports.cipher.encrypt(grant.access_token, domain),
                tiktok_refresh_token_ciphertext=ports.cipher.encrypt(grant.refresh_token, domain),
                tiktok_access_token_expires_at=datetime.fromtimestamp(grant.access_token_expire_in, UTC),
                tiktok_region="US",
                tiktok_orders_polled_until=int(now.timestamp()) - 600,
            )
        )
        ports.store.link_tiktok_shop(domain, grant.shop_id)
        ports.store.commit_plan(
            Plan(
                domain, "free", billing_at=now - timedelta(hours=1), cycle_started_at=now - timedelta(days=31)
            )
        )
        shops.append(domain)
    return shops


def walk_every_shop(task_name: str, ports: Any, now: int) -> int:
    """The baseline: one invocation walking every installed shop, each to its end, as the
    scheduler function did before the fan-out."""
    from connector import schedules

    task = schedules.TASKS[task_name]
    assert task.each_shop is not None
    done = 0
    for shop in ports.store.installed_shops():
        resume: dict[str, Any] | None = None
        while True:
            part, resume = task.each_shop(ports, shop, now, resume)
            done += part
            if resume is None:
                break
    return done


class TimedScheduler:
    """The real scheduler function, recording how long each of its invocations took."""

    def __init__(self) -> None:
        from functions.scheduler.handler import lambda_handler

        self._handler = lambda_handler
        self._lock = threading.Lock()
        self.longest = 0.0
        self.invocations = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        began = time.perf_counter()
        try:
            return self._handler(event, context)
        finally:
            took = time.perf_counter() - began
            with self._lock:
                self.longest, self.invocations = max(self.longest, took), self.invocations + 1


def run(quick: bool) -> list[Figure]:
    from connector import schedules
    from connector.wiring import process_ports, use_process_ports
    from local.lambda_context import LocalLambdaContext
    from local.queue import RecordingQueue

    count = 100 if quick else 5_000
    figures: list[Figure] = []
    with local_table(), tiktok_sandbox() as sandbox, quiet_logs():
        outside = process_ports()
        ports = outside.replace(jobs=RecordingQueue())
        started = time.perf_counter()
        seed(ports, sandbox, count)
        seeded = time.perf_counter() - started
        scheduler = TimedScheduler()
        lanes = ConcurrentConsumers("scheduled-work", scheduler, LANES, batch_size=10)
        use_process_ports(ports.replace(scheduled_work=lanes.start()))
        longest = longest_walk = 0.0
        try:
            for name, task in schedules.TASKS.items():
                tick = int(time.time())
                if task.once is not None:  # over the table, not per shop: no fan-out to compare
                    seconds = timed(partial(task.once, process_ports(), tick))
                    figures.append(_figure(name, count, seconds, "the same run, once", seconds, {}))
                    continue
                baseline = timed(partial(walk_every_shop, name, process_ports(), tick))
                scheduler.longest = 0.0
                before = scheduler.invocations

                def fan_out() -> None:
                    scheduler({"task": name}, LocalLambdaContext("scheduler"))  # noqa: B023 - run at once
                    lanes.drain(timeout=3600)

                seconds = timed(fan_out)
                longest, longest_walk = max(longest, scheduler.longest), max(longest_walk, baseline)
                also = {
                    "scheduler invocations": (
                        f"{scheduler.invocations - before:,} (batches of up to 10 records)"
                    ),
                    "longest invocation": (
                        f"{scheduler.longest:.2f} s, {scheduler.longest / LAMBDA_TIMEOUT_SECONDS:.4f} of "
                        f"Lambda's {LAMBDA_TIMEOUT_SECONDS} s timeout"
                    ),
                    "dead letters": str(len(lanes.dead_letters)),
                }
                figures.append(
                    _figure(name, count, seconds, "every shop walked in one invocation", baseline, also)
                )
            assert lanes.dead_letters == [], lanes.dead_letters[:3]
            figures.append(
                Figure(
                    "schedules",
                    f"longest scheduler invocation of any fanned-out task over {count:,} shops",
                    longest,
                    "s",
                    "Lambda's timeout of the scheduler function",
                    LAMBDA_TIMEOUT_SECONDS,
                    ("<=", 0.1),
                    {"longest walk of every shop in one invocation (the baseline)": f"{longest_walk:.1f} s"},
                )
            )
        finally:
            lanes.stop()
            use_process_ports(outside)
    print(f"    (seeding {count:,} connected shops took {seeded:.0f} s)")
    return figures


def _figure(
    name: str, count: int, seconds: float, baseline_name: str, baseline: float, also: dict[str, str]
) -> Figure:
    return Figure(
        "schedules",
        f"{name} over {count:,} shops through its fan-out ({LANES} lanes)",
        seconds,
        "s",
        baseline_name,
        baseline,
        None,
        also,
    )


if __name__ == "__main__":
    run_as_script(run, __doc__)
