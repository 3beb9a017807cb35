"""The TikTok sandbox judges every call by TikTok's published reference (local/contracts/tiktok):
a deliberately wrong call of each kind is refused with TikTok's code and recorded, and a Create
Product built from what TikTok gave (uploaded images, a listed warehouse, a leaf category and its
attributes, the region's currency) passes with no violation."""

from __future__ import annotations

import copy
import struct
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.models import (
    InventoryError,
    InventoryLevel,
    NewProduct,
    NewSku,
    PackageDimensions,
    ProductAttribute,
    ProductEdit,
    SalesAttribute,
    ShopAuth,
)
from connector.clients.tiktok.shop import ShopClient
from connector.clients.tiktok.signing import request_signature
from connector.values import replace
from local.sandboxes.contract import Gap, Violation
from local.sandboxes.tiktok import TikTokSandbox
from local.sandboxes.tiktok_state import SandboxGrant
from tests.helpers import register_webhooks

APP_KEY = "contract-app-key"
APP_SECRET = "contract-app-secret"
CREATE = "POST /product/202309/products"
UPLOAD = "/product/202309/images/upload"


@pytest.fixture
def sandbox() -> Iterator[TikTokSandbox]:
    with TikTokSandbox(APP_KEY, APP_SECRET, audit_delay_seconds=0, seed=3) as box:
        box.contract.strict()  # judged as TikTok would, the session's allowlist aside
        yield box


@pytest.fixture
def client(sandbox: TikTokSandbox) -> Iterator[TikTokClient]:
    client = TikTokClient(APP_KEY, APP_SECRET, sandbox.url, sandbox.url, max_attempts=1)
    yield client
    client.close()


@pytest.fixture
def grant(sandbox: TikTokSandbox) -> SandboxGrant:
    return sandbox.issue_token()


@pytest.fixture
def shop(client: TikTokClient, grant: SandboxGrant) -> ShopClient:
    return client.for_shop(ShopAuth(grant.access_token, grant.refresh_token, grant.shop_cipher))


def png(width: int, height: int) -> bytes:
    """A real (white) PNG of that size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff" * (width * 3) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def upload(
    sandbox: TikTokSandbox, token: str, image: bytes, use_case: str = "MAIN_IMAGE", *, sign_body: bool = False
) -> dict[str, Any]:
    """Upload Product Image as TikTok documents it: multipart, the body left out of the signature."""
    params = {"app_key": APP_KEY, "timestamp": str(int(time.time()))}
    files = {"data": ("image.png", image, "image/png")}
    prepared = requests.Request(
        "POST", sandbox.url + UPLOAD, files=files, data={"use_case": use_case}, params=params
    ).prepare()
    body = prepared.body if sign_body and isinstance(prepared.body, bytes) else b""
    params["sign"] = request_signature(APP_SECRET, UPLOAD, params, body, multipart=not sign_body)
    answer = requests.post(
        sandbox.url + UPLOAD,
        params=params,
        files=files,
        data={"use_case": use_case},
        headers={"x-tts-access-token": token},
        timeout=5,
    )
    envelope: dict[str, Any] = answer.json()
    return envelope


def call(client: TikTokClient, grant: SandboxGrant, method: str, path: str, **options: Any) -> dict[str, Any]:
    """One signed call through the real client (shop cipher included unless told otherwise)."""
    cipher = options.pop("shop_cipher", grant.shop_cipher)
    return client.api_request(
        method, path, access_token=grant.access_token, shop_cipher=cipher, idempotent=True, **options
    )


def raw(sandbox: TikTokSandbox, method: str, path: str, token: str, **query: str) -> requests.Response:
    """A signed call the client would never send (another method, a missing header...)."""
    params = {"app_key": APP_KEY, "timestamp": str(int(time.time())), **query}
    params["sign"] = request_signature(APP_SECRET, path, params, b"")
    headers = {"content-type": "application/json"} | ({"x-tts-access-token": token} if token else {})
    return requests.request(method, sandbox.url + path, params=params, headers=headers, timeout=5)


@pytest.fixture
def listing(sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant) -> dict[str, Any]:
    """A Create Product body made only of what TikTok gave this US shop."""
    main = [upload(sandbox, grant.access_token, png(320, 320))["data"]["uri"] for _ in range(2)]
    swatch = upload(sandbox, grant.access_token, png(200, 200), "ATTRIBUTE_IMAGE")["data"]["uri"]
    warehouses = call(client, grant, "GET", "/logistics/202309/warehouses")["warehouses"]
    sales = next(w["id"] for w in warehouses if w["type"] == "SALES_WAREHOUSE" and w["is_default"])
    categories = call(client, grant, "GET", "/product/202309/categories", query={"category_version": "v2"})[
        "categories"
    ]
    leaf = next(c["id"] for c in categories if c["is_leaf"] and c["local_name"] == "Women's Jackets")
    path = f"/product/202309/categories/{leaf}"
    attributes = call(client, grant, "GET", f"{path}/attributes", query={"category_version": "v2"})
    rules = call(client, grant, "GET", f"{path}/rules", query={"category_version": "v2"})
    required = [a for a in attributes["attributes"] if a["type"] == "PRODUCT_PROPERTY" and a["is_requried"]]
    colors = next(a for a in attributes["attributes"] if a["name"] == "Color")
    assert required and rules["package_dimension"]["is_required"]
    skus = [
        {
            "seller_sku": f"JACKET-{value['name']}",
            "sales_attributes": [{"id": colors["id"], "value_id": value["id"], "sku_img": {"uri": swatch}}],
            "price": {"amount": "59.00", "currency": "USD"},
            "inventory": [{"warehouse_id": sales, "quantity": 7}],
        }
        for value in colors["values"]
    ]
    return {
        "title": "Quilted jacket",
        "description": "<p>Warm and light.</p>",
        "category_id": leaf,
        "category_version": "v2",
        "main_images": [{"uri": uri} for uri in main],
        "skus": skus,
        "product_attributes": [{"id": a["id"], "values": [{"id": a["values"][0]["id"]}]} for a in required],
        "package_weight": {"value": "0.8", "unit": "KILOGRAM"},
        "package_dimensions": {"length": "30", "width": "20", "height": "5", "unit": "CENTIMETER"},
        "idempotency_key": "8f14e45f-ceea-467f-a0e6-1b3c2a7d9c11",
    }


def refused(
    client: TikTokClient, grant: SandboxGrant, body: dict[str, Any], method: str = "POST"
) -> TikTokApiError:
    with pytest.raises(TikTokApiError) as raised:
        call(client, grant, method, "/product/202309/products", body=body)
    return raised.value


def only_violation(sandbox: TikTokSandbox) -> Violation:
    (violation,) = sandbox.contract.violations
    sandbox.contract.clear()
    return violation


def test_a_create_product_made_of_what_tiktok_gave_passes_with_no_violation(
    sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant, listing: dict[str, Any]
) -> None:
    # Given a two-SKU product with uploaded images, the shop's warehouse, a leaf and its attributes
    # When it is created
    created = call(client, grant, "POST", "/product/202309/products", body=listing)
    # Then TikTok took it, and nothing breached the reference or what TikTok had handed out
    assert created["product_id"] in sandbox.products and len(created["skus"]) == 2
    assert sandbox.contract.violations == [] and sandbox.contract.tolerated == []


def _without(body: dict[str, Any], *path: str | int) -> None:
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


def _set(body: dict[str, Any], value: Any, *path: str | int) -> None:
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(
    ("change", "field", "rule", "code"),
    [
        # a required field missing, a required child of an array's element, a required array left empty
        (lambda b: _without(b, "description"), "description", "required", 12052015),
        (
            lambda b: _without(b, "skus", 1, "inventory", 0, "warehouse_id"),
            "skus[1].inventory[0].warehouse_id",
            "required",
            12052104,
        ),
        (lambda b: _set(b, [], "main_images"), "main_images", "required", 12052028),
        # wrong types: a number for a string, a string for an int, a bool for an int
        (lambda b: _set(b, 0.8, "package_weight", "value"), "package_weight.value", "type", 12019011),
        (
            lambda b: _set(b, "7", "skus", 0, "inventory", 0, "quantity"),
            "skus[0].inventory[0].quantity",
            "type",
            12052910,
        ),
        (lambda b: _set(b, True, "minimum_order_quantity"), "minimum_order_quantity", "type", 12052910),
        # beyond a documented range or length
        (
            lambda b: _set(b, 0, "skus", 0, "inventory", 0, "quantity"),
            "skus[0].inventory[0].quantity",
            "range",
            12052055,
        ),
        (lambda b: _set(b, "k" * 129, "idempotency_key"), "idempotency_key", "max_length", 12052910),
        # what TikTok never handed out
        (
            lambda b: _set(b, "https://cdn.shopify.com/s/files/jacket.jpg", "main_images", 0, "uri"),
            "main_images[0].uri",
            "image_uri_unknown",
            12052300,
        ),
        (
            lambda b: _set(b, "tos-elsewhere/x", "skus", 1, "sales_attributes", 0, "sku_img", "uri"),
            "skus[1].sales_attributes[0].sku_img.uri",
            "image_uri_unknown",
            12052520,
        ),
        (
            lambda b: _set(b, "7000000000000000001", "skus", 0, "inventory", 0, "warehouse_id"),
            "skus[0].inventory[0].warehouse_id",
            "warehouse_unknown",
            12052530,
        ),
        (lambda b: _set(b, "600002", "category_id"), "category_id", "category_not_leaf", 12052024),
        (lambda b: _set(b, "999999", "category_id"), "category_id", "category_unknown", 12052023),
        (lambda b: _without(b, "category_version"), "category_version", "category_version", 12052217),
        (lambda b: _without(b, "product_attributes"), "product_attributes", "attribute_required", 12052104),
        (
            lambda b: _without(b, "package_dimensions"),
            "package_dimensions",
            "package_dimensions_required",
            12052104,
        ),
        (
            lambda b: _set(b, "EUR", "skus", 1, "price", "currency"),
            "skus[1].price.currency",
            "currency_region",
            12052084,
        ),
        (
            lambda b: _without(b, "skus", 0, "sales_attributes"),
            "skus[0].sales_attributes",
            "sales_attributes_required",
            12052104,
        ),
    ],
)
def test_a_create_product_breaking_one_rule_is_refused_with_tiktoks_code_and_recorded(
    sandbox: TikTokSandbox,
    client: TikTokClient,
    grant: SandboxGrant,
    listing: dict[str, Any],
    change: Any,
    field: str,
    rule: str,
    code: int,
) -> None:
    # Given a good Create Product body with one thing made wrong
    body = copy.deepcopy(listing)
    change(body)
    # When it is sent; Then TikTok's code comes back, nothing is created, and the breach is recorded
    error = refused(client, grant, body)
    assert (error.code, sandbox.products) == (code, {})
    violation = only_violation(sandbox)
    assert (violation.where, violation.field, violation.rule) == (CREATE, field, rule)
    assert field in error.message and violation.message == error.message


def test_a_warehouse_for_returns_is_not_one_to_sell_from(
    sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant, listing: dict[str, Any]
) -> None:
    # Given the shop's return warehouse, which Get Warehouse List lists beside the sales one
    warehouses = call(client, grant, "GET", "/logistics/202309/warehouses")["warehouses"]
    returns = next(w["id"] for w in warehouses if w["type"] == "RETURN_WAREHOUSE")
    listing["skus"][0]["inventory"][0]["warehouse_id"] = returns
    # When a product is stocked there; Then TikTok refuses it
    assert refused(client, grant, listing).code == 12052532
    assert only_violation(sandbox).rule == "warehouse_not_sales"


def test_an_unknown_path_and_a_wrong_method_are_refused(sandbox: TikTokSandbox, grant: SandboxGrant) -> None:
    # When a path no endpoint has is called; Then 36009009 with HTTP 404
    answer = raw(sandbox, "GET", "/product/202309/nothing_here", grant.access_token)
    assert (answer.status_code, answer.json()["code"]) == (404, 36009009)
    assert only_violation(sandbox).rule == "unknown_path"
    # When a known path is called with another method; Then 36009010
    for method, path in (("PUT", "/order/202309/orders/search"), ("GET", "/product/202309/products")):
        assert raw(sandbox, method, path, grant.access_token).json()["code"] == 36009010
        violation = only_violation(sandbox)
        assert (violation.where, violation.rule) == (f"{method} {path}", "unknown_method")


def test_query_and_header_breaches_answer_the_common_codes(
    sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant
) -> None:
    # A shop_cipher sent where the reference has none: "Unexpected identifier"
    with pytest.raises(TikTokApiError) as raised:
        call(client, grant, "GET", "/authorization/202309/shops")
    assert raised.value.code == 36009004
    assert only_violation(sandbox).rule == "unexpected"
    # An int query parameter that does not parse
    with pytest.raises(TikTokApiError) as raised:
        call(client, grant, "POST", "/order/202309/orders/search", query={"page_size": "ten"}, body={})
    assert raised.value.code == 36009004
    assert (only_violation(sandbox).field, raised.value.message) == ("page_size", "page_size must be int")
    # No access token header
    answer = raw(sandbox, "GET", "/logistics/202309/warehouses", "", shop_cipher=grant.shop_cipher)
    assert answer.json()["code"] == 36009004
    assert only_violation(sandbox).field == "x-tts-access-token"


def test_an_older_version_is_served_and_noted(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    # When the client searches products at 202309, documented at 202502 in the reference
    shop.search_products(page_size=10)
    # Then the call is served, and the version gap is noted
    assert sandbox.contract.violations == []
    assert sandbox.contract.versions == {
        "POST /product/202309/products/search": "POST /product/202502/products/search"
    }


def test_upload_product_image_checks_the_file_and_leaves_the_body_out_of_the_sign(
    sandbox: TikTokSandbox, grant: SandboxGrant
) -> None:
    token = grant.access_token
    # An image within the limits is taken, and its uri is one TikTok knows from now on
    uploaded = upload(sandbox, token, png(300, 300))
    assert uploaded["code"] == 0 and uploaded["data"]["uri"] in sandbox._catalog.uploads
    assert (uploaded["data"]["width"], uploaded["data"]["height"]) == (300, 300)
    # A sign computed over the multipart body is not TikTok's sign
    assert upload(sandbox, token, png(300, 300), sign_body=True)["code"] == 106001
    # Too small for a main image, and not an image at all
    assert upload(sandbox, token, png(120, 120))["code"] == 12038014
    assert only_violation(sandbox).rule == "image_dimensions"
    assert upload(sandbox, token, b"GIF89a" + b"\x00" * 64)["code"] == 12038015
    assert only_violation(sandbox).rule == "image_format"


def test_update_inventory_takes_live_products_and_quantities_in_range(
    sandbox: TikTokSandbox,
    client: TikTokClient,
    grant: SandboxGrant,
    shop: ShopClient,
    listing: dict[str, Any],
) -> None:
    # Given a product still waiting for its audit
    sandbox.audit_delay_seconds = 60.0
    created = call(client, grant, "POST", "/product/202309/products", body=listing)
    sku_id = created["skus"][0]["id"]
    # When its stock is set; Then TikTok says the product is not available for that yet
    with pytest.raises(TikTokApiError) as raised:
        shop.update_inventory(created["product_id"], [InventoryLevel(sku_id, 3)])
    assert raised.value.code == 12052901
    assert only_violation(sandbox).rule == "product_not_active"
    # Given it is live; When its stock is set to 0, outside [1, 99999]; Then refused, 5 is taken
    sandbox.products[created["product_id"]]["status"] = "ACTIVATE"
    with pytest.raises(TikTokApiError) as raised:
        shop.update_inventory(created["product_id"], [InventoryLevel(sku_id, 0)])
    assert raised.value.code == 12052055
    assert only_violation(sandbox).field == "skus[0].inventory[0].quantity"
    shop.update_inventory(created["product_id"], [InventoryLevel(sku_id, 5)])
    assert sandbox.contract.violations == []


def test_a_tolerated_gap_is_recorded_apart_and_the_call_goes_on(
    sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant, listing: dict[str, Any]
) -> None:
    # Given Shopify image URLs tolerated as a known gap
    sandbox.contract.tolerate([Gap(CREATE, "image_uri_unknown", "main_images[*].uri", reason="known")])
    listing["main_images"] = [
        {"uri": "https://cdn.shopify.com/a.jpg"},
        {"uri": "https://cdn.shopify.com/b.jpg"},
    ]
    # When the product is created; Then it is, and both uris are recorded as tolerated, not refused
    created = call(client, grant, "POST", "/product/202309/products", body=listing)
    assert created["product_id"] in sandbox.products
    assert sandbox.contract.violations == []
    assert [v.field for v in sandbox.contract.tolerated] == ["main_images[0].uri", "main_images[1].uri"]
    # And what the gap does not name is still refused
    listing["category_id"] = "600001"
    assert refused(client, grant, listing).code == 12052024
    assert only_violation(sandbox).rule == "category_not_leaf"
    sandbox.contract.strict()


# --- the listing calls through the client, judged strictly ---


def a_listing(shop: ShopClient, title: str = "Quilted jacket", key: str = "") -> NewProduct:
    """A Create Product built only through the client's calls: uploaded images, the default sales
    warehouse, the recommended leaf, its required attributes, and dimensions where the rules ask."""
    main = shop.upload_image(png(320, 320))
    swatch = shop.upload_image(png(200, 200), "ATTRIBUTE_IMAGE")
    warehouse = next(w for w in shop.get_warehouses() if w.for_sales and w.is_default)
    category = shop.recommend_category(title, image_uris=[main.uri], category_version="v2")
    attributes = shop.get_attributes(category.category_id, "v2")
    rules = shop.get_category_rules(category.category_id, "v2")
    color = next(a for a in attributes if a.name == "Color")
    skus = tuple(
        NewSku(
            f"SKU-{value.value_name}",
            "59.00",
            "USD",
            (InventoryLevel("", 7, warehouse.warehouse_id),),
            (SalesAttribute("Color", value.value_name, color.attribute_id, value.value_id, swatch.uri),),
        )
        for value in color.values
    )
    required = [a for a in attributes if a.type == "PRODUCT_PROPERTY" and a.required]
    dimensions = PackageDimensions("30", "20", "5", "CENTIMETER")
    return NewProduct(
        title,
        "<p>Warm and light.</p>",
        category.category_id,
        (main.uri,),
        skus,
        "0.8",
        category_version="v2",
        package_dimensions=dimensions if rules.package_dimensions_required else None,
        product_attributes=tuple(ProductAttribute(a.attribute_id, a.values[:1]) for a in required),
        idempotency_key=key,
    )


def test_upload_image_through_the_client_gives_a_uri_tiktok_knows(
    sandbox: TikTokSandbox, shop: ShopClient
) -> None:
    # When an image is uploaded as multipart, without shop_cipher and the body out of the sign
    image = shop.upload_image(png(320, 320))
    # Then TikTok answers its uri and facts, and nothing breached the reference
    assert image.uri in sandbox._catalog.uploads
    assert (image.width, image.height, image.use_case) == (320, 320, "MAIN_IMAGE")
    assert sandbox.contract.violations == []


def test_a_swatch_must_be_uploaded_as_an_attribute_image(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    # Given a listing whose variant images (sku_img) are the gallery's MAIN_IMAGE uploads
    listing = a_listing(shop)
    main = listing.main_image_uris[0]
    skus = tuple(
        replace(sku, sales_attributes=tuple(replace(a, image_uri=main) for a in sku.sales_attributes))
        for sku in listing.skus
    )
    # When it is created; Then the reference's "with use_case=ATTRIBUTE_IMAGE" refuses it
    with pytest.raises(TikTokApiError):
        shop.create_product(replace(listing, skus=skus))
    assert {v.rule for v in sandbox.contract.violations} == {"image_use_case"}
    sandbox.contract.clear()


def test_listing_prerequisites_read_through_the_client(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    # When the warehouses, a recommended category, its attributes and rules are read
    warehouses = shop.get_warehouses()
    candle = shop.recommend_category("Soy candle, vanilla", category_version="v2")
    fallback = shop.recommend_category("Something else entirely", category_version="v2")
    jacket = shop.recommend_category("Rain coat", "<p>Light.</p>", category_version="v2")
    attributes = {a.name: a for a in shop.get_attributes(jacket.category_id, "v2")}
    rules = shop.get_category_rules(jacket.category_id, "v2")
    # Then the sales warehouse is the one to sell from, and each answer is read into its model
    assert [w.for_sales for w in warehouses] == [True, False]
    assert (candle.category_id, candle.name, candle.is_leaf) == ("600004", "Candles", True)
    assert fallback.category_id == "600003" and jacket.category_id == "601227"
    material = attributes["Material"]
    assert material.required and material.type == "PRODUCT_PROPERTY" and material.customizable
    assert [v.value_name for v in attributes["Color"].values] == ["Black", "White"]
    assert rules.package_dimensions_required and not rules.size_chart_required
    assert rules.certifications == ()
    assert sandbox.contract.violations == []


def test_get_brands_follows_tiktoks_brand_selection_rules(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    # When the brands are read for a category, and by name
    in_category = {
        b.name: b for b in shop.get_brands(category_id="601227", category_version="v2", page_size=2)
    }
    by_name = shop.get_brands(brand_name="sandbox")
    # Then authorized+available and unauthorized non-T1 brands are selectable, an unauthorized T1 not
    assert {name: b.selectable for name, b in in_category.items()} == {
        "Sandbox Supply Co.": True,
        "Maison Lumière": False,
        "Harbor & Pine": True,
    }
    # And without a category, brand_status is not given: an authorized brand is not known available
    assert [(b.name, b.authorized, b.available) for b in by_name] == [("Sandbox Supply Co.", True, False)]
    assert sandbox.calls["brands"] == 3  # two pages for the category, one for the name
    assert sandbox.contract.violations == []


def test_a_listing_built_by_the_client_is_created_once_and_edited_sku_by_sku(
    sandbox: TikTokSandbox, shop: ShopClient
) -> None:
    # Given a two-colour listing made of what TikTok gave, with an idempotency key
    listing = a_listing(shop, key="b2f1c6de-6c1f-4b8e-9d55-0c0c4b1b8a01")
    # When it is created twice (a repeat after a lost answer)
    created = shop.create_product(listing)
    again = shop.create_product(listing)
    assert again.product_id == created.product_id and sandbox.contract.violations == []
    # When a Partial Edit keeps the first SKU and adds a custom colour in place of the second
    first = shop.get_product(created.product_id).skus[0]
    assert first.sales_attributes[0].value_name == "Black"
    green = NewSku(
        "SKU-Green",
        "61.00",
        "USD",
        (InventoryLevel("", 4, first.inventory[0].warehouse_id),),
        (SalesAttribute("Color", "Green", first.sales_attributes[0].attribute_id),),
    )
    edited = shop.partial_edit_product(created.product_id, ProductEdit(skus=(NewSku.listed(first), green)))
    # Then the second SKU is gone, the new one has a new id, and the edit is audited again
    stored = sandbox.products[created.product_id]["skus"]
    assert [sku.sku_id for sku in edited.skus] == [sku["id"] for sku in stored]
    assert edited.skus[0].sku_id == first.sku_id and edited.skus[1].sku_id not in {
        s.sku_id for s in created.skus
    }
    assert [sku["seller_sku"] for sku in stored] == ["SKU-Black", "SKU-Green"]
    assert edited.audit_status == "AUDITING"
    assert sandbox.contract.violations == []


def test_a_call_at_a_newer_documented_version_reaches_its_handler(
    sandbox: TikTokSandbox, client: TikTokClient, grant: SandboxGrant, shop: ShopClient
) -> None:
    # Given a product
    created = shop.create_product(a_listing(shop))
    # When Partial Edit is called at 202509, the version the reference documents
    path = f"/product/202509/products/{created.product_id}/partial_edit"
    answer = call(client, grant, "POST", path, body={"title": "Quilted jacket, navy"})
    # Then the sandbox's edit handler answers it (not 36009009) and nothing breached the reference
    assert answer["product_id"] == created.product_id
    assert sandbox.products[created.product_id]["title"] == "Quilted jacket, navy"
    assert sandbox.contract.violations == []


def test_update_inventory_reports_the_skus_it_could_not_update(
    sandbox: TikTokSandbox, shop: ShopClient
) -> None:
    # Given a live product
    created = shop.create_product(a_listing(shop))
    sandbox.wait_idle()
    warehouse = sandbox.products[created.product_id]["skus"][0]["inventory"][0]["warehouse_id"]
    # When its stock is set for its SKU and for an id that is not one of its SKUs
    errors = shop.update_inventory(
        created.product_id,
        [InventoryLevel(created.skus[0].sku_id, 5, warehouse), InventoryLevel("42", 5, warehouse)],
    )
    # Then the call succeeds, its SKU holds 5, and the other is reported in data.errors
    assert [(e.sku_id, e.code) for e in errors] == [("42", 12052910)]
    assert isinstance(errors[0], InventoryError) and errors[0].message
    assert sandbox.products[created.product_id]["skus"][0]["inventory"][0]["quantity"] == 5
    assert sandbox.contract.violations == []


def audits(sandbox: TikTokSandbox) -> list[dict[str, Any]]:
    return [w.payload["data"]["audit"] for w in sandbox.webhooks if w.payload["type"] == 37]


def test_audits_send_webhook_37_and_a_pending_kyc_ends_them_pre_approved(
    sandbox: TikTokSandbox, grant: SandboxGrant, shop: ShopClient
) -> None:
    # Given a shop whose webhooks are registered (37 among them), and whose KYC pends (set on the
    # control endpoint)
    register_webhooks(shop)
    answer = requests.post(
        f"{sandbox.url}/sandbox/shops/{grant.shop_id}/kyc", json={"pending": True}, timeout=5
    )
    assert answer.json()["kyc_pending"] is True
    # When a product is created and audited
    created = shop.create_product(a_listing(shop, "Scented candle"))
    assert sandbox.wait_idle()
    # Then the audit is PRE_APPROVED for KYC_PENDING, the product stays PENDING, and no type 5 is sent
    assert audits(sandbox) == [{"status": "PRE_APPROVED", "pre_approved_reasons": ["KYC_PENDING"]}]
    assert shop.get_product(created.product_id).status == "PENDING"
    assert [w.payload["type"] for w in sandbox.webhooks] == [37]
    # When the KYC completes; Then the product is audited again, approved and live (types 5 and 37)
    sandbox.set_kyc_pending(grant.shop_id, False)
    assert sandbox.wait_idle()
    assert audits(sandbox)[-1] == {"status": "APPROVED", "pre_approved_reasons": []}
    assert shop.get_product(created.product_id).status == "ACTIVATE"
    assert [w.payload["type"] for w in sandbox.webhooks] == [37, 5, 37]
    # When its content is edited; Then it is audited again (37) and stays live meanwhile (no 5)
    shop.partial_edit_product(created.product_id, ProductEdit(title="Scented candle, large"))
    assert sandbox.wait_idle()
    assert [w.payload["type"] for w in sandbox.webhooks] == [37, 5, 37, 37]
    assert sandbox.contract.violations == []


def test_a_failed_audit_sends_webhook_37_failed(sandbox: TikTokSandbox, shop: ShopClient) -> None:
    register_webhooks(shop)
    created = shop.create_product(a_listing(shop, "Scented candle [reject]"))
    assert sandbox.wait_idle()
    assert audits(sandbox) == [{"status": "FAILED", "pre_approved_reasons": []}]
    assert shop.get_product(created.product_id).status == "FAILED"


WEBHOOKS = "/event/202309/webhooks"


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"event_type": "ORDER_STATUS_CHANGE"}, "address", "required"),
        ({"address": "https://example.com/hooks"}, "event_type", "required"),
        (
            {"address": "https://example.com/" + "h" * 240, "event_type": "ORDER_STATUS_CHANGE"},
            "address",
            "max_length",
        ),
        ({"address": 7, "event_type": "ORDER_STATUS_CHANGE"}, "address", "type"),
    ],
)
def test_a_malformed_update_shop_webhook_is_refused_and_registers_nothing(
    sandbox: TikTokSandbox,
    client: TikTokClient,
    grant: SandboxGrant,
    body: dict[str, Any],
    field: str,
    rule: str,
) -> None:
    # When Update Shop Webhook is sent with a body its reference does not allow
    with pytest.raises(TikTokApiError):
        call(client, grant, "PUT", WEBHOOKS, body=body)
    # Then the breach is recorded and the shop has no webhook
    violation = only_violation(sandbox)
    assert (violation.where, violation.field, violation.rule) == (f"PUT {WEBHOOKS}", field, rule)
    assert sandbox.shops[grant.shop_id].webhooks == {}


def test_shop_webhooks_are_set_listed_and_deleted_as_the_reference_says(
    sandbox: TikTokSandbox, shop: ShopClient, client: TikTokClient, grant: SandboxGrant
) -> None:
    # An event type the reference does not list is refused
    with pytest.raises(TikTokApiError):
        shop.update_shop_webhook("NOT_AN_EVENT", "https://example.com/hooks")
    # Set twice (the address replaced), listed once with its address
    shop.update_shop_webhook("ORDER_STATUS_CHANGE", "https://example.com/old")
    shop.update_shop_webhook("ORDER_STATUS_CHANGE", "https://example.com/hooks")
    (listed,) = shop.get_shop_webhooks()
    assert (listed.event_type, listed.address) == ("ORDER_STATUS_CHANGE", "https://example.com/hooks")
    assert listed.create_time and listed.update_time >= listed.create_time
    assert set(call(client, grant, "GET", WEBHOOKS)) == {"webhooks", "total_count"}
    # Deleted, twice: "regardless of whether webhook is configured or not, the result will return success"
    shop.delete_shop_webhook("ORDER_STATUS_CHANGE")
    shop.delete_shop_webhook("ORDER_STATUS_CHANGE")
    assert shop.get_shop_webhooks() == []
    # And an order's webhook is no longer sent
    sandbox.create_order(grant.shop_id)
    assert sandbox.wait_idle()
    assert sandbox.webhooks == []
    assert sandbox.contract.violations == []
