"""The sandboxes' catalog changes, driven directly: a Shopify product's life (``edit_product`` and
the products/update payload of each step, the GraphQL API seeing the same state), a TikTok edit that
the audit rejects (the product stays live on its last approved content, webhooks 5 and 37), Get
Product's ``product_status``, and prices as TikTok checks them (region ranges, whole-unit currencies,
list prices)."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import (
    InventoryLevel,
    NewSku,
    ProductEdit,
    ShopAuth,
    SkuPrice,
)
from connector.clients.tiktok.shop import ShopClient
from local.sandboxes.shopify import ShopifySandbox
from local.sandboxes.shopify_products import ImageSpec, OptionSpec, ProductSpec, VariantSpec
from local.sandboxes.tiktok import TikTokSandbox
from local.sandboxes.tiktok_catalog import REGION_CURRENCY
from local.sandboxes.tiktok_prices import PRICE_RANGES
from local.sandboxes.tiktok_state import SandboxGrant
from tests.helpers import ListingBasics, listing_basics, register_webhooks

pytestmark = pytest.mark.integration

SHOPIFY_KEY, SHOPIFY_SECRET = "catalog-client-id", "catalog-client-secret-of-32-bytes-or-more"
TIKTOK_KEY, TIKTOK_SECRET = "catalog-app-key", "catalog-app-secret"
CREATE = "/product/202309/products"

# --- Shopify ----------------------------------------------------------------------------------


@pytest.fixture
def shopify() -> Iterator[ShopifySandbox]:
    with ShopifySandbox(SHOPIFY_KEY, SHOPIFY_SECRET, products_per_shop=2) as box:
        yield box


SHOP = "catalog-changes.myshopify.com"
SHIRT = ProductSpec(
    title="Linen shirt",
    options=[OptionSpec(name="Size", values=["S", "M"])],
    variants=[
        VariantSpec(options={"Size": "S"}, price=Decimal("20.00")),
        VariantSpec(options={"Size": "M"}, price=Decimal("20.00")),
    ],
    images=[ImageSpec()],
)
PRODUCT_QUERY = """query Product($id: ID!) {
  product(id: $id) {
    status
    updatedAt
    options { name values }
    images(first: 10) { nodes { id url } }
    variants(first: 10) {
      nodes {
        id sku price compareAtPrice inventoryQuantity
        inventoryItem {
          id
          inventoryLevels(first: 5) {
            nodes { location { id } quantities(names: ["available"]) { quantity } }
          }
        }
      }
    }
  }
}"""


def graphql_product(sandbox: ShopifySandbox, product_id: int) -> Any:
    answer = requests.post(
        f"{sandbox.url}/{SHOP}/admin/api/2025-10/graphql.json",
        json={"query": PRODUCT_QUERY, "variables": {"id": f"gid://shopify/Product/{product_id}"}},
        headers={"X-Shopify-Access-Token": sandbox.issue_token(SHOP)},
        timeout=5,
    )
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return answer.json()["data"]["product"]


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def variants_by_id(payload: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {variant["id"]: variant for variant in payload["variants"]}


def test_each_edit_answers_its_products_update_payload_and_graphql_sees_the_same(
    shopify: ShopifySandbox,
) -> None:
    product = shopify.add_product(SHOP, SHIRT, announce=False)
    small, medium = (variant.id for variant in product.variants)
    start = shopify.product_payload_of(SHOP, product.id)

    # A status change moves the product's updated_at, not its variants'
    drafted = shopify.edit_product(SHOP, product.id, status="DRAFT")
    assert (drafted["status"], drafted["published_at"]) == ("draft", None)
    assert variants_by_id(drafted)[small]["updated_at"] == start["variants"][0]["updated_at"]

    # A new variant: new ids, a SKU of its own, its siblings' price and weight, in stock
    grown = shopify.edit_product(SHOP, product.id, add_variant={"Size": "L"})
    (large,) = set(variants_by_id(grown)) - {small, medium}
    added = variants_by_id(grown)[large]
    assert added["inventory_item_id"] == large + 5 * 10**13
    assert added["sku"] not in {variant["sku"] for variant in start["variants"]}
    sibling = variants_by_id(grown)[small]
    assert [added[key] for key in ("price", "weight", "weight_unit", "grams", "option1")] == [
        sibling["price"],
        sibling["weight"],
        sibling["weight_unit"],
        sibling["grams"],
        "L",
    ]
    assert added["inventory_quantity"] > 0 and added["updated_at"] == grown["updated_at"]
    assert grown["options"][0]["values"] == ["S", "M", "L"]

    # A SKU change moves that variant's updated_at only
    renamed = shopify.edit_product(SHOP, product.id, skus={small: "SHIRT-S"})
    assert variants_by_id(renamed)[small]["sku"] == "SHIRT-S"
    assert variants_by_id(renamed)[small]["updated_at"] == renamed["updated_at"]
    assert variants_by_id(renamed)[medium]["updated_at"] == variants_by_id(grown)[medium]["updated_at"]

    # A compare-at price on every variant, then cleared with 0
    discounted = shopify.edit_product(SHOP, product.id, compare_at_price=Decimal("25.00"))
    assert {v["compare_at_price"] for v in discounted["variants"]} == {"25.00"}
    cleared = shopify.edit_product(SHOP, product.id, compare_at_price=Decimal(0))
    assert {v["compare_at_price"] for v in cleared["variants"]} == {None}

    # A removed variant leaves the payload and its option value; an added image is served
    shrunk = shopify.edit_product(SHOP, product.id, remove_variant=medium)
    assert set(variants_by_id(shrunk)) == {small, large}
    assert shrunk["options"][0]["values"] == ["S", "L"]
    pictured = shopify.edit_product(SHOP, product.id, add_image=True, title="Linen shirt, washed")
    assert len(pictured["images"]) == 2 and pictured["title"] == "Linen shirt, washed"
    served = requests.get(pictured["images"][1]["src"], timeout=5)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"

    # Each step is at least a second after the one before, and earlier payloads stay as they were
    steps = [start, drafted, grown, renamed, discounted, cleared, shrunk, pictured]
    stamps = [at(step["updated_at"]) for step in steps]
    assert all((later - earlier).total_seconds() >= 1 for earlier, later in itertools.pairwise(stamps))
    assert start["status"] == "active" and len(start["variants"]) == 2 and len(grown["variants"]) == 3
    assert shopify.product_payload_of(SHOP, product.id) == pictured

    # The GraphQL API sees the same product: status, options, variants, SKUs, stock per location
    seen = graphql_product(shopify, product.id)
    assert seen["status"] == "DRAFT" and seen["options"] == [{"name": "Size", "values": ["S", "L"]}]
    assert len(seen["images"]["nodes"]) == 2
    nodes = {int(node["id"].rsplit("/", 1)[1]): node for node in seen["variants"]["nodes"]}
    assert set(nodes) == {small, large} and nodes[small]["sku"] == "SHIRT-S"
    assert {node["compareAtPrice"] for node in nodes.values()} == {None}
    levels = nodes[large]["inventoryItem"]["inventoryLevels"]["nodes"]
    assert nodes[large]["inventoryItem"]["id"] == f"gid://shopify/InventoryItem/{large + 5 * 10**13}"
    assert sum(level["quantities"][0]["quantity"] for level in levels) == added["inventory_quantity"]
    assert len(levels) == len(shopify.locations(SHOP))


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        ({"status": "LIVE"}, ValueError),
        ({"remove_variant": 42}, KeyError),
        ({"skus": {42: "X"}}, KeyError),
        ({"add_variant": {"Colour": "Red"}}, ValueError),  # not the product's option
        ({"add_variant": {"Size": "S"}}, ValueError),  # a variant selects it already
        ({"compare_at_price": Decimal("-1")}, ValueError),
    ],
)
def test_an_edit_that_cannot_apply_changes_nothing(
    shopify: ShopifySandbox, edit: dict[str, Any], error: type[Exception]
) -> None:
    product = shopify.add_product(SHOP, SHIRT, announce=False)
    before = shopify.product_payload_of(SHOP, product.id)
    with pytest.raises(error):
        shopify.edit_product(SHOP, product.id, **edit)
    assert shopify.product_payload_of(SHOP, product.id) == before


def test_the_last_variant_is_not_removed(shopify: ShopifySandbox) -> None:
    product = shopify.add_product(SHOP, ProductSpec(title="Mug"), announce=False)
    with pytest.raises(ValueError, match="at least one variant"):
        shopify.edit_product(SHOP, product.id, remove_variant=product.variants[0].id)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.headers["X-Shopify-Topic"], json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    received: list[tuple[str, dict[str, Any]]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Receiver", (_Receiver,), {"received": received}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks", received
    server.shutdown()
    server.server_close()


def test_send_product_update_sends_the_edit_and_the_control_route_takes_the_new_edits(
    receiver: tuple[str, list[tuple[str, dict[str, Any]]]],
) -> None:
    url, received = receiver
    with ShopifySandbox(SHOPIFY_KEY, SHOPIFY_SECRET, webhook_url=url, products_per_shop=2) as box:
        product = box.add_product(SHOP, SHIRT, announce=False)
        # Today's keywords still work, with the new ones alongside
        assert box.send_product_update(SHOP, product.id, title="Shirt", price=Decimal("22.00")) == 200
        assert box.send_product_update(SHOP, product.id, status="ARCHIVED") == 200
        answer = requests.post(
            f"{box.url}/sandbox/{SHOP}/webhooks/products-update",
            params={"product_id": str(product.id), "compare_at_price": "30", "add_image": "1"},
            timeout=5,
        )
        assert answer.status_code == 200 and answer.json()["receiver_status"] == 200
        refused = requests.post(
            f"{box.url}/sandbox/{SHOP}/webhooks/products-update",
            params={"product_id": str(product.id), "status": "GONE"},
            timeout=5,
        )
        assert refused.status_code == 400
    assert [topic for topic, _ in received] == ["products/update"] * 3
    first, archived, discounted = (payload for _, payload in received)
    assert first["title"] == "Shirt" and {v["price"] for v in first["variants"]} == {"22.00"}
    assert archived["status"] == "archived"
    assert {v["compare_at_price"] for v in discounted["variants"]} == {"30.00"}
    assert len(discounted["images"]) == 2


# --- TikTok -----------------------------------------------------------------------------------


@pytest.fixture
def tiktok() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(TIKTOK_KEY, TIKTOK_SECRET, audit_delay_seconds=0, seed=5) as box:
        box.contract.strict()
        yield box


@pytest.fixture
def client(tiktok: TikTokSandbox) -> Iterator[TikTokClient]:
    client = TikTokClient(TIKTOK_KEY, TIKTOK_SECRET, tiktok.url, tiktok.url, max_attempts=1)
    yield client
    client.close()


class Shop:
    """One sandbox shop as the connector's client reaches it, and raw calls for what it never sends."""

    def __init__(self, tiktok: TikTokSandbox, client: TikTokClient, region: str) -> None:
        shop_id = tiktok.default_shop.shop_id if region == "US" else tiktok.add_shop(region=region).shop_id
        self.region, self.currency = region, REGION_CURRENCY[region]
        self.grant: SandboxGrant = tiktok.issue_token(shop_id)
        self._client = client
        self.api: ShopClient = client.for_shop(
            ShopAuth(self.grant.access_token, self.grant.refresh_token, self.grant.shop_cipher)
        )
        self.basics: ListingBasics = listing_basics(self.api)
        register_webhooks(self.api)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._client.api_request(
            method,
            path,
            access_token=self.grant.access_token,
            shop_cipher=self.grant.shop_cipher,
            body=body,
            idempotent=method == "GET",
        )

    def body(
        self, price: str, title: str = "Scented soy candle in a glass jar", **sku: Any
    ) -> dict[str, Any]:
        """A Create Product body for this shop with one SKU at ``price`` (and ``sku``'s extra fields)."""
        level = (InventoryLevel("", 5, self.basics.warehouse_id),)
        version = "v2" if self.region == "US" else "v1"
        product = self.basics.product(
            title, skus=(NewSku("CANDLE-1", price, self.currency, level),), category_version=version
        )
        body = product.to_body()
        body["skus"][0].update(sku)
        return body

    def create(self, price: str, title: str = "Scented soy candle in a glass jar", **sku: Any) -> str:
        product_id: str = self.call("POST", CREATE, self.body(price, title, **sku))["product_id"]
        return product_id

    def refused(self, method: str, path: str, body: dict[str, Any]) -> int:
        with pytest.raises(TikTokApiError) as raised:
            self.call(method, path, body)
        return raised.value.code

    def get(self, product_id: str) -> dict[str, Any]:
        return self.call("GET", f"/product/202309/products/{product_id}")


@pytest.fixture
def us(tiktok: TikTokSandbox, client: TikTokClient) -> Shop:
    return Shop(tiktok, client, "US")


def types_since(tiktok: TikTokSandbox, start: int) -> list[tuple[int, str]]:
    """(type, status) of each webhook sent after the first ``start`` ones."""
    sent = [w.payload for w in tiktok.webhooks[start:]]
    return [(p["type"], p["data"].get("status") or p["data"].get("audit", {}).get("status")) for p in sent]


def test_a_rejected_edit_keeps_the_live_product_selling_its_approved_content(
    tiktok: TikTokSandbox, us: Shop
) -> None:
    # Given a live product
    product_id = us.create("12.00")
    assert tiktok.wait_idle()
    live = us.get(product_id)
    assert (live["status"], live["product_status"], live["audit"]["status"]) == ("ACTIVATE",) * 2 + (
        "APPROVED",
    )
    sent = len(tiktok.webhooks)

    # When an edit the audit will reject is made, and its price changes while the audit runs
    tiktok.audit_delay_seconds = 1.0
    us.api.partial_edit_product(
        product_id, ProductEdit(title="Scented candle [reject]", description="<p>Now smokeless.</p>")
    )
    during = us.get(product_id)
    sku_id = during["skus"][0]["id"]
    us.api.update_prices(product_id, [SkuPrice(sku_id, "13.00", "USD")])
    # Then meanwhile Get Product answers the edit under audit, the product still live
    assert (during["title"], during["audit"]["status"]) == ("Scented candle [reject]", "AUDITING")
    assert (during["status"], during["product_status"]) == ("ACTIVATE", "ACTIVATE")
    assert tiktok.wait_idle()

    # Then the product stays live on its approved content, at the new price, with the audit's reasons
    after = us.get(product_id)
    assert (after["status"], after["product_status"], after["audit"]["status"]) == ("ACTIVATE",) * 2 + (
        "FAILED",
    )
    assert (after["title"], after["description"]) == (live["title"], live["description"])
    assert after["skus"][0]["price"]["sale_price"] == "13.00"
    (reasons,) = after["audit_failed_reasons"]
    # And webhook 5 (PRODUCT_AUDIT_FAILURE, the reason given) and 37 (FAILED) were sent
    assert types_since(tiktok, sent) == [(5, "PRODUCT_AUDIT_FAILURE"), (37, "FAILED")]
    assert tiktok.webhooks[-2].payload["data"]["suspended_reason"] == reasons["reasons"][0]

    # When an edit that passes follows; Then it is published and the reasons are cleared (37 only)
    tiktok.audit_delay_seconds = 0
    sent = len(tiktok.webhooks)
    us.api.partial_edit_product(product_id, ProductEdit(title="Smokeless candle"))
    assert tiktok.wait_idle()
    passed = us.get(product_id)
    assert (passed["title"], passed["audit"]["status"], passed["audit_failed_reasons"]) == (
        "Smokeless candle",
        "APPROVED",
        [],
    )
    assert types_since(tiktok, sent) == [(37, "APPROVED")]
    assert tiktok.contract.violations == []


def test_a_rejected_edit_gives_back_the_live_skus(tiktok: TikTokSandbox, us: Shop) -> None:
    # Given a live one-SKU product
    product_id = us.create("12.00")
    assert tiktok.wait_idle()
    (sku,) = us.api.get_product(product_id).skus
    # When a rejected edit replaces its SKU with another
    other = NewSku("CANDLE-2", "14.00", "USD", sku.inventory)
    us.api.partial_edit_product(product_id, ProductEdit(title="Candle [reject]", skus=(other,)))
    assert tiktok.wait_idle()
    # Then the live SKU is what Get Product answers again
    assert [(s["id"], s["seller_sku"]) for s in us.get(product_id)["skus"]] == [(sku.sku_id, "CANDLE-1")]


def test_product_status_is_initial_until_the_product_first_goes_live(tiktok: TikTokSandbox, us: Shop) -> None:
    # A first audit that fails, and one pre-approved while the seller's KYC pends: INITIAL
    failed = us.create("12.00", title="Candle [reject]")
    tiktok.set_kyc_pending(us.grant.shop_id, True)
    pending = us.create("12.00")
    assert tiktok.wait_idle()
    assert [(p["status"], p["product_status"]) for p in map(us.get, (failed, pending))] == [
        ("FAILED", "INITIAL"),
        ("PENDING", "INITIAL"),
    ]
    # Once live: ACTIVATE; deactivated by the seller: SELLER_DEACTIVATED
    tiktok.set_kyc_pending(us.grant.shop_id, False)
    assert tiktok.wait_idle()
    assert us.get(pending)["product_status"] == "ACTIVATE"
    assert us.api.deactivate_products([pending]) == []
    assert us.get(pending)["product_status"] == "SELLER_DEACTIVATED"


def test_every_region_the_sandbox_knows_has_a_price_range() -> None:
    assert set(REGION_CURRENCY) <= set(PRICE_RANGES)


@pytest.mark.parametrize(
    ("region", "price", "code"),
    [
        ("US", "7600.01", 12052570),  # over the US range [0.01, 7600]
        ("US", "0.001", 12052570),
        ("GB", "5600.50", 12052570),
        ("ID", "50", 12052570),  # under the Indonesian floor of 100
        ("JP", "1500.5", 12052073),  # JPY has no fractional amounts
        ("VN", "25000.5", 12052073),
        ("US", "7600", 0),
        ("JP", "1500", 0),
        ("ID", "15000.00", 0),  # whole, written with decimals
    ],
)
def test_create_product_takes_prices_within_the_regions_range_and_unit(
    tiktok: TikTokSandbox, client: TikTokClient, region: str, price: str, code: int
) -> None:
    shop = Shop(tiktok, client, region)
    if code:
        assert shop.refused("POST", CREATE, shop.body(price)) == code
    else:
        assert shop.create(price)
    assert tiktok.contract.violations == []


def test_update_price_and_partial_edit_check_the_range_too(tiktok: TikTokSandbox, us: Shop) -> None:
    product_id = us.create("12.00")
    assert tiktok.wait_idle()
    sku_id = us.get(product_id)["skus"][0]["id"]
    path = f"/product/202309/products/{product_id}"
    prices = {"skus": [{"id": sku_id, "price": {"amount": "9000", "currency": "USD"}}]}
    assert us.refused("POST", f"{path}/prices/update", prices) == 12052570
    edit = {
        "skus": [{"id": sku_id, "seller_sku": "CANDLE-1", "price": {"amount": "0.001", "currency": "USD"}}]
    }
    assert us.refused("POST", f"{path}/partial_edit", edit) == 12052570
    assert us.get(product_id)["skus"][0]["price"]["sale_price"] == "12.00"


LIST = {"amount": "15.00", "currency": "USD"}
COMPARE_AT = {"source": "SHOPIFY_COMPARE_AT_PRICE", "amount": "18.00", "currency": "USD"}


def test_list_prices_are_kept_when_not_below_the_price(tiktok: TikTokSandbox, us: Shop) -> None:
    # A list price and a Shopify compare-at price above the price are kept and answered
    kept = us.create("12.00", list_price=LIST, external_list_prices=[COMPARE_AT])
    sku = us.get(kept)["skus"][0]
    assert (sku["list_price"], sku["external_list_prices"]) == (LIST, [COMPARE_AT])
    # Ones below the price are accepted and discarded
    low = {"amount": "10.00", "currency": "USD"}
    discarded = us.create("12.00", list_price=low, external_list_prices=[{**COMPARE_AT, "amount": "11"}])
    assert not {"list_price", "external_list_prices"} & set(us.get(discarded)["skus"][0])
    # Update Price: a new list price replaces the kept one; a price above it discards it
    assert tiktok.wait_idle()
    sku_id, path = sku["id"], f"/product/202309/products/{kept}/prices/update"
    us.call(
        "POST",
        path,
        {
            "skus": [
                {
                    "id": sku_id,
                    "price": {"amount": "12.00", "currency": "USD"},
                    "list_price": {"amount": "16", "currency": "USD"},
                }
            ]
        },
    )
    assert us.get(kept)["skus"][0]["list_price"] == {"amount": "16", "currency": "USD"}
    us.api.update_prices(kept, [SkuPrice(sku_id, "17.00", "USD")])
    assert "list_price" not in us.get(kept)["skus"][0]
    assert us.get(kept)["skus"][0]["external_list_prices"] == [COMPARE_AT]
    assert tiktok.contract.violations == []


@pytest.mark.parametrize(
    ("sku", "code"),
    [
        ({"list_price": {"amount": "7600.01", "currency": "USD"}}, 12052383),
        ({"list_price": {"amount": "15.00", "currency": "EUR"}}, 12052375),
        ({"list_price": {"amount": "lots", "currency": "USD"}}, 12052375),
        ({"external_list_prices": [{**COMPARE_AT, "source": "AMAZON"}]}, 12052375),
        ({"external_list_prices": [{**COMPARE_AT, "amount": "0"}]}, 12052383),
    ],
)
def test_an_invalid_list_price_is_refused(us: Shop, sku: dict[str, Any], code: int) -> None:
    assert us.refused("POST", CREATE, us.body("12.00", **sku)) == code


def test_list_prices_are_for_us_shops_only(tiktok: TikTokSandbox, client: TikTokClient, us: Shop) -> None:
    uk = Shop(tiktok, client, "GB")
    assert (
        uk.refused("POST", CREATE, uk.body("12.00", list_price={"amount": "15.00", "currency": "USD"}))
        == 12052376
    )
    assert uk.refused("POST", CREATE, uk.body("12.00", external_list_prices=[COMPARE_AT])) == 12052376
    # Update Price's table has no "list price is invalid": invalid input instead
    product_id = us.create("12.00")
    assert tiktok.wait_idle()
    sku_id = us.get(product_id)["skus"][0]["id"]
    bad = {
        "id": sku_id,
        "price": {"amount": "12.00", "currency": "USD"},
        "list_price": {"amount": "15", "currency": "GBP"},
    }
    assert (
        us.refused("POST", f"/product/202309/products/{product_id}/prices/update", {"skus": [bad]})
        == 12052910
    )
    assert tiktok.contract.violations == []


def test_a_partial_edit_of_a_sku_sets_its_list_prices_or_blanks_them(tiktok: TikTokSandbox, us: Shop) -> None:
    # Given a product whose SKU has a list price
    product_id = us.create("12.00", list_price=LIST)
    sku = us.get(product_id)["skus"][0]
    path = f"/product/202309/products/{product_id}/partial_edit"
    edited = {"id": sku["id"], "seller_sku": "CANDLE-1", "price": {"amount": "12.00", "currency": "USD"}}
    # When an edit gives the SKU a Shopify compare-at price; Then it is kept
    us.call("POST", path, {"skus": [{**edited, "external_list_prices": [COMPARE_AT]}]})
    assert us.get(product_id)["skus"][0]["external_list_prices"] == [COMPARE_AT]
    # And the list price it left out is gone: a SKU's nested properties are all given or blanked
    assert "list_price" not in us.get(product_id)["skus"][0]
    # When an edit leaves both out; Then neither is kept
    us.call("POST", path, {"skus": [edited]})
    assert not {"list_price", "external_list_prices"} & set(us.get(product_id)["skus"][0])
    assert tiktok.contract.violations == []
