"""The demo shop `make run` starts with: installed, connected to the TikTok sandbox's shop that the
sample webhooks name, with encrypted tokens like a real connection, then fed the sample webhooks."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.clients.shopify.models import OfflineToken
from connector.connections import connect_tiktok
from connector.domain.entities import InstallState, PackageDimensions, Shop, SyncSettings
from connector.domain.plans import new_plan
from connector.shopify_session import token_fields
from connector.values import replace
from connector.wiring import Ports
from local.events import DEMO_SHOP, DEMO_TIKTOK_SHOP_ID, load, replayable
from local.sales_history import order_history, write_history
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.tiktok import TikTokSandbox

# The sample type-5 webhook names this TikTok product; the demo links it to the sample Shopify one.
DEMO_TIKTOK_PRODUCT_ID = "1729592969712207100"
DEMO_SHOPIFY_PRODUCT_ID = "8001234567890123456"
# The demo's order history: its sales name the first products of the screenshot's catalog
# (tests/browser), which a demo shop without them shows by id.
DEMO_ORDERS, DEMO_SALES_DAYS = 420, 56
DEMO_SALES_PRODUCTS = tuple(str(9_100_000_000_000 + n) for n in range(4))


def seed_demo_shop(ports: Ports, tiktok: TikTokSandbox | None, shopify: ShopifySandbox | None) -> None:
    """Provision the demo shop once; a restart keeps what is already there."""
    store = ports.store
    if store.get_shop(DEMO_SHOP) is not None:
        return
    now = datetime.now(UTC)
    # The demo merchant has set a default package size (TikTok requires one in the US).
    settings = SyncSettings(package_dimensions=PackageDimensions(20, 15, 10))
    profile = Shop(
        domain=DEMO_SHOP, install_state=InstallState.INSTALLED, installed_at=now, settings=settings
    )
    if shopify is not None:  # an expiring offline token and its refresh token, as an install gets
        issued = shopify.issue_expiring_token(DEMO_SHOP)
        token = OfflineToken(
            issued.access_token,
            expires_in=issued.expires_in,
            refresh_token=issued.refresh_token,
            refresh_token_expires_in=issued.refresh_token_expires_in,
        )
        profile = replace(profile, **token_fields(ports, DEMO_SHOP, token, ports.now()))
        facts = ports.shopify_admin(profile).shop_facts()  # as provisioning reads them
        profile = replace(profile, iana_timezone=facts.iana_timezone, currency=facts.currency)
    store.save_shop(profile)
    if tiktok is not None:
        if DEMO_TIKTOK_SHOP_ID not in tiktok.shops:
            tiktok.add_shop(shop_id=DEMO_TIKTOK_SHOP_ID, name="Demo Shop", region="US")
        grant = tiktok.issue_token(DEMO_TIKTOK_SHOP_ID)
        connect_tiktok(
            ports,
            replace(profile, onboarding_step=3),
            tiktok_shop_id=grant.shop_id,
            shop_cipher=grant.shop_cipher,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_token_expires_at=grant.access_token_expire_in,
            refresh_token_expires_at=grant.refresh_token_expire_in,
            region="US",
        )
        # The sample webhooks' paid order, made on TikTok after the shop connected: it syncs to
        # Shopify on first start, as a newcomer's first order would.
        sample = load("webhooks/tiktok/type-1.json")["body"]["data"]
        if sample["order_id"] not in tiktok.orders:
            tiktok.create_order(
                DEMO_TIKTOK_SHOP_ID,
                line_items=[{"product_name": "Sample mug", "sku_name": "Default", "sale_price": "12.00"}],
                status=sample["order_status"],
                announce=False,
                order_id=sample["order_id"],
            )
    store.link_tiktok_product(DEMO_SHOP, DEMO_TIKTOK_PRODUCT_ID, DEMO_SHOPIFY_PRODUCT_ID)
    store.commit_plan(new_plan(DEMO_SHOP, now))
    # A few weeks of TikTok sales, so the sales chart has a shape from the first visit.
    history = order_history(
        DEMO_SHOP, DEMO_ORDERS, DEMO_SALES_DAYS, now, DEMO_SALES_PRODUCTS, profile.iana_timezone
    )
    write_history(store, DEMO_SHOP, history)


def replay_samples(api_url: str) -> dict[str, int]:
    """POST every replayable sample webhook, signed, to the local server; status code -> count."""
    answers: dict[str, int] = {}
    for request in replayable():
        status = str(request.post(api_url).status_code)
        answers[status] = answers.get(status, 0) + 1
    return answers
