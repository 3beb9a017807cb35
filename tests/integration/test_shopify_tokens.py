"""Expiring Shopify offline tokens, over HTTP against the sandboxes: installed by token exchange,
refreshed ahead of expiry and after a 401, one refresh per shop and expiry across concurrent jobs,
the rotated refresh token kept, and a new exchange at the merchant's next visit when refreshing is
no longer possible.

Access tokens here live 60 s (an hour on Shopify). Time comes from one clock that both the Shopify
sandbox (which judges tokens by it) and the code under test (``ports.now``, which decides when to
refresh) read. In the five-minute run, install, import and first upload go at real time (TikTok's
audit webhooks carry TikTok's real timestamps, which the connector orders against its own); the
rest of the five minutes, stock changes synced by eight jobs at once, goes ``FAST`` times real
time, so that the run takes about half a minute. Session tokens, TikTok and DynamoDB keep real time.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from connector import schedules
from connector.domain.entities import ActivityState, Shop
from connector.domain.status import ProductStatus
from connector.wiring import process_ports
from local.queue import InProcessQueue
from tests.helpers import ConnectedCatalog, LocalStack, process_ports_with, provision_connected

FAST = 20.0  # times real time, in the five-minute run's second part
LIFETIME = 60  # seconds an access token lives, in every test here
WORKERS = 8  # jobs run at once


class SharedClock:
    """Time for the Shopify sandbox and the code under test: real time at ``speed``, plus the
    seconds ``skip`` jumped; the sandbox sees it ``shopify_ahead`` seconds later (clock skew)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._real, self._at, self._speed = time.monotonic(), datetime.now(UTC), 1.0
        self.shopify_ahead = 0.0

    def now(self) -> datetime:
        with self._lock:
            return self._at + timedelta(seconds=(time.monotonic() - self._real) * self._speed)

    def seconds(self) -> float:
        return self.now().timestamp()

    def shopify_seconds(self) -> float:
        return self.seconds() + self.shopify_ahead

    def run_at(self, speed: float) -> None:
        at = self.now()
        with self._lock:
            self._real, self._at, self._speed = time.monotonic(), at, speed

    def skip(self, seconds: float) -> None:
        with self._lock:
            self._at += timedelta(seconds=seconds)


@dataclass
class Timed:
    stack: LocalStack
    clock: SharedClock

    @property
    def profile(self) -> Shop:
        found = self.stack.store.get_shop(self.stack.shop)
        assert found is not None
        return found

    def connect(self, products: int) -> ConnectedCatalog:
        """Installed through the dashboard (a token exchange), connected to TikTok through its
        authorization (HTTP all the way), on a big plan."""
        self.stack.shopify.products_per_shop = products  # this shop's catalog, made on first sight
        provision_connected(self.stack.api_url, self.stack.store, self.stack.shop, self.stack.tiktok)
        return ConnectedCatalog(self.stack.api_url, self.stack.shop, self.stack.jobs)

    def store_legacy_token(self, token: str) -> str:
        """Store ``token`` as the code before expiring tokens did: alone, no refresh token, no
        times; answers its ciphertext."""
        ciphertext = process_ports().cipher.encrypt(token, self.stack.shop)
        self.stack.store.update_shop(
            self.stack.shop,
            shopify_token_ciphertext=ciphertext,
            shopify_refresh_token_ciphertext=None,
            shopify_token_issued_at=None,
            shopify_token_expires_at=None,
            shopify_refresh_token_expires_at=None,
        )
        return ciphertext

    def stored_refresh_token(self) -> str | None:
        ciphertext = self.profile.shopify_refresh_token_ciphertext
        return None if ciphertext is None else process_ports().cipher.decrypt(ciphertext, self.stack.shop)


@pytest.fixture
def timed(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Timed]:
    """The local stack with 60-second Shopify tokens, a clock shared by the Shopify sandbox and the
    code under test, and jobs run by up to eight invocations at once."""
    from functions.jobs.handler import lambda_handler as jobs_function

    clock = SharedClock()
    monkeypatch.setattr(stack.shopify, "clock", clock.shopify_seconds)
    monkeypatch.setattr(stack.shopify, "access_token_lifetime", LIFETIME)
    monkeypatch.setattr(stack.shopify, "products_per_shop", stack.shopify.products_per_shop)
    queue = InProcessQueue("jobs", jobs_function, retry_delay=0.05, batch_size=1, workers=WORKERS).start()
    try:
        with process_ports_with(jobs=queue, now=clock.now):
            yield Timed(replace(stack, jobs=queue), clock)
    finally:
        queue.stop()


def least_refreshes(calls: list[float], issued: float, lifetime: float) -> int:
    """How many refreshes serving these calls needs at least: a token taken at a call lasts
    ``lifetime`` from then; the first was issued at ``issued``."""
    needed, valid_until = 0, issued + lifetime
    for call in sorted(calls):
        if call >= valid_until:
            needed, valid_until = needed + 1, call + lifetime
    return needed


def test_five_minutes_of_60_second_tokens_under_8_concurrent_jobs_refresh_each_expiry_once(
    timed: Timed,
) -> None:
    stack, shopify, clock = timed.stack, timed.stack.shopify, timed.clock
    # Given a merchant who installs the app (the dashboard's first call exchanges their session token)
    catalog = timed.connect(products=30)
    installed = timed.profile
    assert installed.shopify_refresh_token_ciphertext is not None
    issued_at, expires_at = installed.shopify_token_issued_at, installed.shopify_token_expires_at
    assert issued_at and expires_at and expires_at - issued_at == timedelta(seconds=LIFETIME)
    issued = issued_at.timestamp()
    # When the catalog is imported, then uploaded (chunks of 20, eight jobs at once) ...
    imported = catalog.run_import()
    assert imported["failed"] == 0, imported
    stack.upload_all()
    # ... and stock keeps changing in Shopify, eight products at a time, until five minutes are up
    clock.run_at(FAST)
    live = stack.store.list_products(stack.shop, ProductStatus.LIVE, 100).items
    items = [v.inventory_item_id for p in live for v in p.variants if v.inventory_item_id]
    assert len(items) >= WORKERS
    location = shopify.locations(stack.shop)[0].id
    calls = shopify.tokens.admitted_at[stack.shop]  # when the Admin API took each call (its clock)
    round_, deadline = 0, time.monotonic() + 60
    while max(calls) - issued < 300:
        assert time.monotonic() < deadline, "stock syncs stopped calling Shopify"
        round_ += 1
        for n in range(WORKERS):
            item = items[(round_ * WORKERS + n) % len(items)]
            shopify.send_inventory_level_update(stack.shop, item, 10 + round_ % 5, location_id=location)
        stack.events.drain()
        stack.jobs.drain(timeout=60)
    # Then no Shopify call met an expired token, and nothing failed
    tokens = shopify.tokens
    assert tokens.refused_calls[stack.shop] == 0
    assert not stack.jobs.dead_letters and not stack.events.dead_letters
    # Each expiry was refreshed once: as often as the calls' times required, never two refreshes
    # for one token (the next comes in its successor's last quarter, not seconds later)
    refreshes = shopify.refreshes(stack.shop)
    needed = least_refreshes(calls, issued, LIFETIME)
    assert needed >= 4
    assert needed <= len(refreshes) <= math.ceil(needed * LIFETIME / (LIFETIME * 0.75)) + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise([issued, *refreshes])]
    assert min(gaps) >= LIFETIME * 0.75 - 1
    # The rotated refresh token was the one used each time, and the newest is the one stored
    assert tokens.refused_refreshes[stack.shop] == 0 and tokens.stale_refreshes[stack.shop] == 0
    assert timed.stored_refresh_token() == tokens.newest_refresh_token(stack.shop)


def test_a_refused_refresh_is_recorded_and_the_next_visit_exchanges_a_new_token(timed: Timed) -> None:
    stack, shopify, clock = timed.stack, timed.stack.shopify, timed.clock
    catalog = timed.connect(products=10)
    # Given the stored refresh token retired (another instance refreshed and used the replacement,
    # then lost its write), and the access token expired
    stored = timed.stored_refresh_token()
    assert stored is not None
    admin = process_ports().shopify
    replacement = admin.refresh_token(stack.shop, stored).refresh_token
    assert replacement is not None
    admin.refresh_token(stack.shop, replacement)
    clock.skip(LIFETIME + 1)
    # When work needs Shopify
    started = stack.merchant_call("POST", "/v1/imports").json()["activity"]
    stack.jobs.drain(timeout=60)
    # Then Shopify's refusal is recorded on the profile, asked once, and the work went back to the
    # queue with a clear error until it gave up (the dead-letter queue)
    assert timed.profile.shopify_token_refresh_refused_at is not None
    assert shopify.tokens.refused_refreshes[stack.shop] == 1
    assert len(stack.jobs.dead_letters) == 1 and started["id"] in stack.jobs.dead_letters[0]
    # When the merchant opens the app again
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    # Then a new token pair was exchanged, and work for the shop goes through again
    renewed = timed.profile
    assert renewed.shopify_token_refresh_refused_at is None
    assert timed.stored_refresh_token() == shopify.tokens.newest_refresh_token(stack.shop)
    # The import whose job gave up is still the shop's running one: another waits for it
    assert stack.merchant_call("POST", "/v1/imports").status_code == 409
    # until the sweep finds it stalled and resumes it, which goes through now
    stalled = int(time.time()) + 20 * 60
    assert schedules.sweep_stuck_activities(process_ports(), timed.profile, stalled) == 1
    stack.jobs.drain(timeout=60)
    resumed = stack.store.activities.get_activity(stack.shop, started["id"])
    assert resumed is not None and resumed.state is ActivityState.COMPLETED, resumed
    assert (resumed.succeeded, resumed.failed) == (10, 0)
    assert catalog.run_import()["failed"] == 0


def test_a_401_mid_run_is_refreshed_once_and_the_call_sent_again(timed: Timed) -> None:
    stack, shopify, clock = timed.stack, timed.stack.shopify, timed.clock
    catalog = timed.connect(products=10)
    before = timed.profile.shopify_token_ciphertext
    # Given Shopify's clock a token's lifetime ahead of ours: the stored token looks fresh here and
    # is expired there
    clock.shopify_ahead = LIFETIME + 1
    # When an import reads the catalog
    imported = catalog.run_import()
    # Then the one refused call was followed by one refresh and went through
    assert imported["failed"] == 0 and imported["succeeded"] == 10, imported
    assert shopify.tokens.refused_calls[stack.shop] == 1
    assert len(shopify.refreshes(stack.shop)) == 1
    assert timed.profile.shopify_token_ciphertext != before
    assert timed.stored_refresh_token() == shopify.tokens.newest_refresh_token(stack.shop)


def test_a_legacy_non_expiring_token_is_exchanged_at_the_next_visit(timed: Timed) -> None:
    stack, shopify = timed.stack, timed.stack.shopify
    catalog = timed.connect(products=10)
    # Given the profile as it was stored before expiring tokens: a non-expiring token alone
    legacy = timed.store_legacy_token(shopify.issue_token(stack.shop))
    # When the merchant opens the app
    assert stack.merchant_call("GET", "/v1/dashboard").status_code == 200
    # Then an expiring token and its refresh token replaced it, and work goes through with them
    renewed = timed.profile
    assert renewed.shopify_token_ciphertext != legacy and renewed.shopify_token_expires_at is not None
    assert timed.stored_refresh_token() == shopify.tokens.newest_refresh_token(stack.shop)
    assert catalog.run_import()["failed"] == 0


def test_a_legacy_token_shopify_refuses_stops_work_until_the_next_visit(timed: Timed) -> None:
    stack, shopify = timed.stack, timed.stack.shopify
    timed.connect(products=10)
    # Given an import queued, then a legacy token that Shopify no longer takes (as from January
    # 2027) stored with nothing to refresh it (after the visit: the next one would exchange anew)
    stack.jobs.pause()
    stack.merchant_call("POST", "/v1/imports")
    timed.store_legacy_token("shpat_" + "0" * 32)
    # When the import runs
    stack.jobs.resume()
    stack.jobs.drain(timeout=60)
    # Then it is recorded for the next visit, and the work went back to the queue until it gave up
    assert timed.profile.shopify_token_refresh_refused_at is not None
    assert len(stack.jobs.dead_letters) == 1
    assert shopify.refreshes(stack.shop) == []
