"""Headless Chromium (Debian's, driven by Playwright) against the local server, and the demo shop
the page's local session token names, erased and seeded afresh for each test."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from connector.dal.store import Store
from connector.wiring import process_ports
from local.demo import seed_demo_shop
from local.events import DEMO_SHOP
from local.queue import RecordingQueue
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox
from local.web_host import WebHost
from tests.helpers import forget_cached_configuration

CHROMIUM = "/usr/bin/chromium"
REFRESH = {"refreshFastMs": 250, "refreshSlowMs": 500}  # ms; the page's defaults are 2000 and 5000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    opened = context.new_page()
    # The page's own knob (web/config.js): it refreshes every few seconds, which tests waiting for a
    # change would mostly spend waiting; the same refresh, sooner.
    opened.add_init_script(f"window.CONNECTOR_CONFIG = {json.dumps(REFRESH)};")
    # Nothing the page loads may come from outside the local server and its sandboxes.
    opened.route("**/*", _local_only)
    yield opened
    context.close()


def _local_only(route, request) -> None:  # type: ignore[no-untyped-def]
    if request.url.startswith(("http://127.0.0.1", "data:")):
        route.fallback()
    else:
        route.abort()


@pytest.fixture
def demo_shop(
    api_url: str,
    store: Store,
    jobs: RecordingQueue,
    tiktok_partner: TikTokSandbox,
    shopify_partner: ShopifySandbox,
) -> str:
    """The demo shop as `make run` seeds it (installed, connected to TikTok, free plan), no catalog."""
    store.erase_shop(DEMO_SHOP)
    seed_demo_shop(process_ports(), tiktok_partner, shopify_partner)
    return DEMO_SHOP


@pytest.fixture
def new_demo_shop(api_url: str, store: Store, jobs: RecordingQueue) -> str:
    """The demo shop before its first visit: the page's first token provisions it, unconnected."""
    store.erase_shop(DEMO_SHOP)
    return DEMO_SHOP


@pytest.fixture
def hosted_page(api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The page served apart from the API, as CloudFront and API Gateway serve them: its URL. The
    API is told the page's origin, as the stack tells it the distribution's (DASHBOARD_ORIGIN)."""
    with WebHost(api_url) as host:
        monkeypatch.setenv("DASHBOARD_ORIGIN", host.origin)
        forget_cached_configuration()
        yield host.origin + "/"
        monkeypatch.delenv("DASHBOARD_ORIGIN")
        forget_cached_configuration()
