"""Test session set-up: offline AWS settings, and DynamoDB Local started once, only when needed."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from connector.dal.store import Store
from connector.wiring import Ports, process_ports, use_process_ports
from local.dynamodb import LOCAL_APP_CONFIG, DynamoDBLocal, ensure_table, local_environment
from local.queue import InProcessQueue, RecordingQueue
from local.sandboxes import contract
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from local.server import LocalApiServer
from tests.contract_gaps import KNOWN_GAPS
from tests.helpers import ConnectedCatalog, LocalStack, forget_cached_configuration, process_ports_with

# An endpoint given by the caller is used instead of starting DynamoDB Local.
GIVEN_DYNAMODB_ENDPOINT = os.environ.get("DYNAMODB_ENDPOINT")
# Nothing in the tests may reach AWS: fake credentials, no instance metadata, no real endpoint.
os.environ.update(local_environment(endpoint="http://127.0.0.1:9", table_name="unset"))
os.environ.pop("AWS_PROFILE", None)
# Partner APIs point at a closed loopback port unless a test starts a sandbox for them.
os.environ.update(
    TIKTOK_API_BASE_URL="http://127.0.0.1:9",
    TIKTOK_AUTH_BASE_URL="http://127.0.0.1:9",
    SHOPIFY_ADMIN_BASE_URL="http://127.0.0.1:9/{shop}",
)

# Every sandbox of the session judges requests by the platforms' contracts and tolerates only the
# one allowlist of known gaps (tests/contract_gaps.py).
contract.tolerate_by_default(KNOWN_GAPS)
gaps_met: Counter[tuple[str, str, str]] = Counter()  # tolerated breaches seen, for the summary


@pytest.fixture(autouse=True)
def contracts_kept() -> Iterator[None]:
    """Fails the test after which any sandbox holds a breach of a platform's contract that the
    allowlist does not cover; a test that breaks one on purpose checks it and clears it."""
    yield
    breaches = [violation for record in contract.records() for violation in record.violations]
    for record in contract.records():
        gaps_met.update(_gap_of(v) for v in record.tolerated)
        record.clear()
    if breaches:
        listed = "\n".join(f"  {v.where} {v.field} [{v.rule}]: {v.message}" for v in breaches)
        pytest.fail(f"requests broke the platforms' contracts:\n{listed}", pytrace=False)


def _gap_of(violation: contract.Violation) -> tuple[str, str, str]:
    """The allowlist entry that tolerated a breach (where, rule, field pattern)."""
    gap = next((g for g in KNOWN_GAPS if g.covers(violation)), None)
    return (gap.where, gap.rule, gap.field) if gap else (violation.where, violation.rule, violation.field)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Which known gaps the run met (the listing and order issues empty the allowlist)."""
    if gaps_met:
        total = sum(gaps_met.values())
        # KNOWN_GAPS is empty: what shows here is a test of the tolerance mechanism itself.
        terminalreporter.write_line(f"contract breaches tolerated (KNOWN_GAPS or a test's own): {total}")
        for (where, rule, field), times in sorted(gaps_met.items()):
            terminalreporter.write_line(f"  {times:6d} x {where} {field} [{rule}]")


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """DynamoDB Local for this session (or the one DYNAMODB_ENDPOINT names), stopped at the end."""
    if GIVEN_DYNAMODB_ENDPOINT:
        yield GIVEN_DYNAMODB_ENDPOINT
        return
    with DynamoDBLocal() as database:
        yield database.endpoint


@pytest.fixture(scope="session")
def table(dynamodb_endpoint: str) -> Iterator[str]:
    """A fresh table from the shared definition, with the shipped code pointed at it."""
    name = f"connector-test-{uuid.uuid4().hex[:8]}"
    ensure_table(dynamodb_endpoint, name)
    os.environ.update(local_environment(dynamodb_endpoint, name))
    use_process_ports(None)  # built again from this environment
    yield name
    use_process_ports(None)
    # After the whole run: no item of any test holds a sandbox buyer's name, street or email (they
    # go to Shopify and nowhere else).
    held = _personal_data_in(dynamodb_endpoint, name)
    assert not held, f"DynamoDB items hold buyers' personal data: {held[:3]}"


def _personal_data_in(endpoint: str, table_name: str) -> list[str]:
    from local.sandboxes.tiktok_order_model import LAST_NAMES, STREETS

    marks = (*LAST_NAMES, *STREETS, "@scs.tiktokw.us")
    client = boto3.client("dynamodb", endpoint_url=endpoint)
    found = []
    for page in client.get_paginator("scan").paginate(TableName=table_name):
        for item in page["Items"]:
            text = json.dumps(item)
            found += [f"{item['pk']['S']} {item['sk']['S']}" for mark in marks if mark in text]
    return found


@pytest.fixture
def store(table: str) -> Store:
    return process_ports().store


@pytest.fixture
def shop() -> str:
    """A shop of its own for each test, so tests share the table but never each other's data."""
    return f"test-{uuid.uuid4().hex[:10]}.myshopify.com"


@pytest.fixture(scope="session")
def events_queue(table: str) -> Iterator[InProcessQueue]:
    """Verified webhooks go here; the real processor handler consumes them in SQS-shaped batches."""
    from functions.processor.handler import lambda_handler as processor

    queue = InProcessQueue("events", processor, retry_delay=0.05).start()
    # Jobs the processor queues (and the schedules' fan-out) are kept, not run, unless a test asks
    # for the function that consumes them.
    use_process_ports(Ports(events=queue, jobs=RecordingQueue(), scheduled_work=RecordingQueue()))
    yield queue
    use_process_ports(None)
    queue.stop()


@pytest.fixture
def jobs(events_queue: InProcessQueue) -> Iterator[RecordingQueue]:
    """What the processor asks the jobs function to do (its consumer is not part of these tests)."""
    queue = RecordingQueue()
    with process_ports_with(jobs=queue):
        yield queue


@pytest.fixture(scope="session")
def api_url(table: str, events_queue: InProcessQueue) -> Iterator[str]:
    """The local API Gateway on a free port, calling the real handlers, with both partner sandboxes
    behind it (as `make run` has them)."""
    server = LocalApiServer(port=0).start()
    app = LOCAL_APP_CONFIG
    shopify_hook = f"{server.url}/webhooks/shopify"
    with (
        TikTokSandbox(app["TIKTOK_APP_KEY"], app["TIKTOK_APP_SECRET"]) as tiktok,
        # A Plus-sized bucket: the client's cost budgeting has its own tests against a small one.
        ShopifySandbox(
            app["SHOPIFY_API_KEY"],
            app["SHOPIFY_API_SECRET"],
            webhook_url=shopify_hook,
            bucket_size=20000,
            restore_rate=1000,
        ) as shopify,
    ):
        os.environ.update(
            TIKTOK_API_BASE_URL=tiktok.url,
            TIKTOK_AUTH_BASE_URL=tiktok.url,
            TIKTOK_AUTHORIZE_URL=f"{tiktok.url}/open/authorize",
            TIKTOK_AUTHORIZE_URL_US=f"{tiktok.url}/us/open/authorize",
            # The embedded app, as the local server serves the page.
            SHOPIFY_APP_URL=f"{server.url}/?shop={{shop}}",
            SHOPIFY_ADMIN_BASE_URL=shopify.admin_base_url,
            SHOPIFY_IMAGE_HOSTS=shopify.image_host,
            PUBLIC_API_URL=server.url,
        )
        tiktok.redirect_url = f"{server.url}/auth/tiktok/callback"  # as registered in Partner Center
        forget_cached_configuration()
        _sandboxes.update(tiktok=tiktok, shopify=shopify)
        yield server.url
    server.stop()


_sandboxes: dict[str, Any] = {}


@pytest.fixture
def tiktok_partner(api_url: str) -> TikTokSandbox:
    """The TikTok Shop sandbox behind the local API."""
    sandbox: TikTokSandbox = _sandboxes["tiktok"]
    return sandbox


@pytest.fixture
def shopify_partner(api_url: str) -> ShopifySandbox:
    """The Shopify Admin sandbox behind the local API."""
    sandbox: ShopifySandbox = _sandboxes["shopify"]
    return sandbox


@pytest.fixture
def jobs_worker(api_url: str) -> Iterator[InProcessQueue]:
    """The jobs queue consumed by the real jobs function (instead of only recording)."""
    from functions.jobs.handler import lambda_handler as jobs_function

    queue = InProcessQueue("jobs", jobs_function, retry_delay=0.05).start()
    with process_ports_with(jobs=queue):
        yield queue
    queue.stop()


@pytest.fixture
def stack(
    api_url: str,
    store: Store,
    shop: str,
    shopify_partner: ShopifySandbox,
    tiktok_partner: TikTokSandbox,
    jobs_worker: InProcessQueue,
    events_queue: InProcessQueue,
) -> LocalStack:
    """The whole local stack around this test's shop, the jobs run by the real jobs function."""
    return LocalStack(api_url, store, shop, shopify_partner, tiktok_partner, jobs_worker, events_queue)


@pytest.fixture
def connected_catalog(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> Callable[[int], ConnectedCatalog]:
    """A shop connected to both sandboxes whose Shopify catalog holds ``products`` products."""
    from tests.helpers import provision_connected

    def connect(products: int) -> ConnectedCatalog:
        monkeypatch.setattr(stack.shopify, "products_per_shop", products)
        provision_connected(stack.api_url, stack.store, stack.shop, stack.tiktok)
        return ConnectedCatalog(stack.api_url, stack.shop, stack.jobs)

    return connect


@pytest.fixture
def imported_shop(connected_catalog: Callable[[int], ConnectedCatalog]) -> Callable[[int], str]:
    """A connected shop whose Shopify sandbox catalog of ``size`` products was imported."""

    def make(size: int) -> str:
        shop_catalog = connected_catalog(size)
        shop_catalog.run_import()
        return shop_catalog.shop

    return make
