"""The TikTok sandbox's listing prerequisites and the checks that a product uses only what TikTok gave:
images uploaded through Upload Product Image, each shop's warehouses (Get Warehouse List), a small fixed
category tree (Get Categories, Get Attributes, Get Category Rules), the shop's currency, sales
attributes on every SKU of a multi-SKU product, and stock updates for live products only.

Each breach is a ``Violation`` of its own rule, refused or tolerated by the ``Contract`` like the
reference's own rules. Facts from local/contracts/tiktok/api/products/create-product.spec.json (field
notes on currency, category_version, package_dimensions, sales_attributes), upload-product-image,
get-categories, get-attributes, get-category-rules, update-inventory and logistics/get-warehouse-list.
The category ids 600001 and 600002 follow Get Categories' example (600002 "Home Supplies" under
600001); the other ids are the sandbox's own.
"""

from __future__ import annotations

import itertools
import re
import struct
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from local.sandboxes.contract import Violation
from local.sandboxes.tiktok_codes import JsonObject, page
from local.sandboxes.tiktok_contract import Checked, FormPart, Match, Param, values_of
from local.sandboxes.tiktok_state import SandboxShop, Shared

# Create Product, skus.price.currency: "Possible values based on the region" (region codes as in
# guides/regions-and-languages.md; the reference also says UK where those say GB).
REGION_CURRENCY = {"BR": "BRL", "GB": "GBP", "UK": "GBP", "ID": "IDR", "JP": "JPY", "MX": "MXN"}
REGION_CURRENCY.update({"MY": "MYR", "PH": "PHP", "SG": "SGD", "TH": "THB", "US": "USD", "VN": "VND"})
REGION_CURRENCY.update({region: "EUR" for region in ("FR", "DE", "IE", "IT", "ES")})
# category_version: "US: v2 ... Other regions: v1. Default: v1".
US_CATEGORY_VERSION, DEFAULT_CATEGORY_VERSION = "v2", "v1"
# package_dimensions: "Optional for ID, TH, VN regions."
DIMENSIONS_OPTIONAL = frozenset({"ID", "TH", "VN"})

# Upload Product Image, the data part: formats, 10MB, [100, 20000] px, MAIN_IMAGE [300, 4000] px.
IMAGE_FORMATS = ("JPG", "JPEG", "PNG", "WEBP", "HEIC", "BMP")
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_DIMENSIONS = {"MAIN_IMAGE": (300, 4000)}
ANY_IMAGE_DIMENSIONS = (100, 20000)
USE_CASE_NAMED = re.compile(r"use_case=([A-Z_]+)")
USE_CASES = ("MAIN_IMAGE", "ATTRIBUTE_IMAGE", "DESCRIPTION_IMAGE", "CERTIFICATION_IMAGE", "SIZE_CHART_IMAGE")
# Its error table.
INVALID_PARAM, FILE_TOO_LARGE, BAD_DIMENSIONS, BAD_FORMAT = 11050001, 12038005, 12038014, 12038015

# Codes from Create / Partial Edit Product's and Update Inventory's error tables.
IMAGE_URI_CODES = {"main_images": 12052300, "skus": 12052520, "size_chart": 12052670}
IMAGE_URI_CODES["certifications"] = 12052650
IMAGE_URI_UNKNOWN = 12052722  # Partial Edit: "The image URI does not exist in TikTok Shop."
WAREHOUSE_NOT_THE_SHOPS, WAREHOUSE_NOT_FOR_SALES = 12052530, 12052532
CATEGORY_UNKNOWN, CATEGORY_NOT_LEAF, CATEGORY_VERSION = 12052023, 12052024, 12052217
PROPERTY_REQUIRED = 12052104
CURRENCY_NOT_THE_REGIONS = 12052084
STATUS_NOT_AVAILABLE = 12052901


@dataclass(frozen=True)
class Attribute:
    id: str
    name: str
    type: str  # PRODUCT_PROPERTY or SALES_PROPERTY
    required: bool
    values: tuple[tuple[str, str], ...]

    def public(self) -> JsonObject:
        attribute: JsonObject = {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "values": [{"id": value_id, "name": name} for value_id, name in self.values],
        }
        if self.type == "PRODUCT_PROPERTY":  # the reference spells it is_requried
            attribute.update(is_requried=self.required, is_customizable=True, is_multiple_selection=False)
        return attribute


@dataclass(frozen=True)
class Category:
    id: str
    parent_id: str  # "0" for a root
    name: str
    attributes: tuple[Attribute, ...] = ()


COLOR = Attribute("100000", "Color", "SALES_PROPERTY", False, (("1001", "Black"), ("1002", "White")))
SIZE = Attribute("100007", "Size", "SALES_PROPERTY", False, (("2001", "S"), ("2002", "M"), ("2003", "L")))
MATERIAL = Attribute(
    "101610", "Material", "PRODUCT_PROPERTY", True, (("1024358", "Cotton"), ("1024359", "Polyester"))
)
CATEGORIES = (
    Category("600001", "0", "Home & Living"),
    Category("600002", "600001", "Home Supplies"),
    Category("600003", "600002", "Storage Boxes", (COLOR,)),
    Category("600004", "600002", "Candles", (COLOR,)),
    Category("601152", "0", "Womenswear & Underwear"),
    Category("601226", "601152", "Women's Tops", (COLOR, SIZE)),
    Category("601227", "601152", "Women's Jackets", (COLOR, SIZE, MATERIAL)),
)
CATEGORY_BY_ID = {category.id: category for category in CATEGORIES}
PARENTS = frozenset(category.parent_id for category in CATEGORIES)
# Recommend Category, played deterministically: the first leaf whose words the title or description
# holds (as whole words), else Storage Boxes.
RECOMMENDED = (
    (("candle", "candles"), "600004"),
    (("jacket", "jackets", "coat", "coats"), "601227"),
    (("t-shirt", "shirt", "shirts", "top", "tops", "tee", "scarf", "scarves"), "601226"),
)
FALLBACK_CATEGORY = "600003"

# Get Brands: the sandbox's built-in brands, (id, name, authorized, T1); the first id is the example's.
BRANDS = (
    ("7082427311584347905", "Sandbox Supply Co.", True, False),
    ("7082427311584347906", "Maison Lumière", False, True),
    ("7082427311584347907", "Harbor & Pine", False, False),
)


def is_leaf(category: Category) -> bool:
    return category.id not in PARENTS


def category_version(region: str) -> str:
    return US_CATEGORY_VERSION if region == "US" else DEFAULT_CATEGORY_VERSION


def image_facts(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) read from an image's header; HEIC's size is not read (0, 0)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", width, height
    if data[:2] == b"\xff\xd8":
        return _jpeg_facts(data)
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return "BMP", width, abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_facts(data)
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heim", b"heis"):
        return "HEIC", 0, 0
    return None


def _jpeg_facts(data: bytes) -> tuple[str, int, int] | None:
    index = 2
    while index + 9 <= len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return "JPEG", width, height
        index += 2 + struct.unpack(">H", data[index + 2 : index + 4])[0]
    return None


def _webp_facts(data: bytes) -> tuple[str, int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return "WEBP", 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return "WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return "WEBP", width & 0x3FFF, height & 0x3FFF
    return None


@dataclass(frozen=True)
class Upload:
    shop_id: str
    use_case: str
    width: int
    height: int


class Catalog:
    """Uploaded images and warehouses of every shop, the category tree, and the checks of a call's
    body against them."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared
        self.uploads: dict[str, Upload] = {}  # by uri
        self._warehouses: dict[str, list[JsonObject]] = {}
        self._next_warehouse = itertools.count(7000714532876273410)  # Get Warehouse List's example id

    # --- the endpoints ---

    def api_upload_image(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        data: FormPart | None = body.get("data")
        use_case = _text(body.get("use_case")) or "MAIN_IMAGE"
        facts = image_facts(data.data) if data is not None else None
        _, width, height = facts or ("", 0, 0)
        uri = f"tos-sandbox-i-{uuid.uuid4().hex[:20]}-{shop.region.lower()}/{uuid.uuid4().hex}"
        self.uploads[uri] = Upload(shop.shop_id, use_case, width, height)
        url = f"https://p16-oec-sandbox.invalid/{uri}~tplv-origin-jpeg.jpeg"
        return {"uri": uri, "url": url, "width": width, "height": height, "use_case": use_case}

    def warehouses(self, shop: SandboxShop) -> list[JsonObject]:
        """The shop's sales warehouse (its default) and its return warehouse."""
        if shop.shop_id not in self._warehouses:
            self._warehouses[shop.shop_id] = [
                _new_warehouse(str(next(self._next_warehouse)), shop, "SALES_WAREHOUSE", True),
                _new_warehouse(str(next(self._next_warehouse)), shop, "RETURN_WAREHOUSE", False),
            ]
        return self._warehouses[shop.shop_id]

    def add_warehouse(self, shop: SandboxShop, name: str) -> str:
        """Another sales warehouse of the shop (not its default), as a seller adds in Seller Center."""
        warehouse = _new_warehouse(str(next(self._next_warehouse)), shop, "SALES_WAREHOUSE", False)
        warehouse["name"] = name
        self.warehouses(shop).append(warehouse)
        return str(warehouse["id"])

    def api_warehouses(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        return {"warehouses": [dict(warehouse) for warehouse in self.warehouses(shop)]}

    def api_categories(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        keyword = query.get("keyword", "").lower()
        return {
            "categories": [
                {
                    "id": category.id,
                    "parent_id": category.parent_id,
                    "local_name": category.name,
                    "is_leaf": is_leaf(category),
                    "permission_statuses": ["AVAILABLE"],
                }
                for category in CATEGORIES
                if keyword in category.name.lower()
            ]
        }

    def api_attributes(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, category_id: str
    ) -> JsonObject:
        category = CATEGORY_BY_ID.get(category_id)
        return {"attributes": [a.public() for a in category.attributes] if category else []}

    def api_recommend(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        """Recommend Category: the leaf and its path from the root, as the reference's example shows."""
        text = f"{body.get('product_title', '')} {body.get('description', '')}".lower()
        words = set(re.findall(r"[a-z]+(?:-[a-z]+)*", text))
        leaf_id = next((leaf for keys, leaf in RECOMMENDED if words & set(keys)), FALLBACK_CATEGORY)
        path: list[Category] = []
        category: Category | None = CATEGORY_BY_ID[leaf_id]
        while category is not None:
            path.insert(0, category)
            category = CATEGORY_BY_ID.get(category.parent_id)
        return {
            "leaf_category_id": leaf_id,
            "categories": [
                {
                    "id": c.id,
                    "name": c.name,
                    "level": level,
                    "is_leaf": is_leaf(c),
                    "permission_statuses": ["AVAILABLE"],
                }
                for level, c in enumerate(path, start=1)
            ],
        }

    def api_brands(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        """Get Brands: names beginning with ``brand_name``; brand_status only for an authorized brand
        asked about in a category ("Not applicable if you did not specify the category ID, or the
        brand is unauthorized")."""
        prefix = query.get("brand_name", "").lower()
        found = []
        for brand_id, name, authorized, t1 in BRANDS:
            if not name.lower().startswith(prefix):
                continue
            # The reference's value list spells UNAUTHORIEZD; its brand selection rules, UNAUTHORIZED.
            brand = {
                "id": brand_id,
                "name": name,
                "authorized_status": "AUTHORIZED" if authorized else "UNAUTHORIZED",
                "is_t1_brand": t1,
            }
            if authorized and query.get("category_id"):
                brand["brand_status"] = "AVAILABLE"
            found.append(brand)
        brands, token, total = page(found, query)
        return {"brands": brands, "total_count": total, "next_page_token": token}

    def api_rules(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, category_id: str
    ) -> JsonObject:
        return {
            "product_certifications": [],
            "size_chart": {"is_supported": category_id.startswith("6011"), "is_required": False},
            "package_dimension": {"is_required": shop.region not in DIMENSIONS_OPTIONAL},
            "epr": {"is_required": False},
            "responsible_person": {"is_required": False},
            "manufacturer": {"is_required": False},
            "allowed_special_product_types": [],
        }

    # --- the checks ---

    def violations(
        self,
        checked: Checked,
        shop: SandboxShop,
        query: Mapping[str, str],
        payload: JsonObject,
        products: Mapping[str, JsonObject],
    ) -> list[Violation]:
        """The breaches of what TikTok gave this shop, in a call that passed the reference's checks."""
        found = checked.match
        if found is None:
            return []
        title = found.endpoint.title
        checks: list[Iterator[Violation]] = []
        if title == "Upload Product Image":
            checks.append(self._image_limits(found, payload))
        if title in ("Create Product", "Partial Edit Product"):
            checks.append(_sales_attributes(found, payload))
        if title in ("Create Product", "Partial Edit Product", "Recommend Category"):
            checks.append(self._image_uris(found, shop, payload))
        if title in ("Create Product", "Partial Edit Product", "Update Inventory"):
            checks.append(self._warehouse_ids(found, shop, payload))
        if title in ("Create Product", "Partial Edit Product", "Update Price"):
            checks.append(_currencies(found, shop, payload))
        if title == "Create Product":
            checks.append(_category(found, shop, payload))
        if title in ("Get Categories", "Get Attributes", "Get Category Rules"):
            checks.append(_category_query(found, shop, query))
        if title == "Recommend Category":  # "For US shops, you must pass v2 when using this API"
            checks.append(_category_breaches(found, shop, payload.get("category_version"), None, True))
        if title == "Get Brands" and query.get("category_id"):
            checks.append(_category_breaches(found, shop, query.get("category_version"), None, True))
        if title == "Update Inventory":
            checks.append(_product_live(found, shop, products))
        return [violation for check in checks for violation in check]

    def _image_limits(self, found: Match, form: JsonObject) -> Iterator[Violation]:
        data, use_case = form.get("data"), _text(form.get("use_case"))
        if use_case and use_case not in USE_CASES:
            message = f"invalid param: use_case must be one of {', '.join(USE_CASES)}"
            yield _breach(found, "use_case", "image_use_case", message, INVALID_PARAM)
        if not isinstance(data, FormPart) or not data.data:
            return  # the reference's "data is required" already said so
        if len(data.data) > IMAGE_MAX_BYTES:
            message = f"data: The file size exceeds the maximum allowed size ({IMAGE_MAX_BYTES} bytes)."
            yield _breach(found, "data", "image_size", message, FILE_TOO_LARGE)
        facts = image_facts(data.data)
        if facts is None:
            formats = ", ".join(IMAGE_FORMATS)
            message = f"data: The format or content is not supported. Supported formats: {formats}"
            yield _breach(found, "data", "image_format", message, BAD_FORMAT)
            return
        _, width, height = facts
        low, high = IMAGE_DIMENSIONS.get(use_case or "MAIN_IMAGE", ANY_IMAGE_DIMENSIONS)
        if width and not (low <= width <= high and low <= height <= high):
            message = (
                "data: The image dimensions exceed the allowed limits. Allowed dimensions (width x height "
                f"in pixels): {low} x {low} to {high} x {high}; got {width} x {height}"
            )
            yield _breach(found, "data", "image_dimensions", message, BAD_DIMENSIONS)

    def _image_uris(self, found: Match, shop: SandboxShop, body: JsonObject) -> Iterator[Violation]:
        # Every uri whose description says to obtain it from Upload Product Image, uploaded with the
        # use_case that description names ("... with `use_case=ATTRIBUTE_IMAGE`").
        for path, uri, param in values_of(found.endpoint.body, body, _uploaded_image):
            upload = self.uploads.get(uri)
            top = path.split("[")[0].split(".")[0]
            code = _listed(found, IMAGE_URI_CODES.get(top, IMAGE_URI_UNKNOWN), IMAGE_URI_UNKNOWN)
            wanted = USE_CASE_NAMED.search(param.desc)
            if upload is None or upload.shop_id != shop.shop_id:
                message = f"{path} {uri!r} is not an image uri Upload Product Image returned to this shop"
                yield _breach(found, path, "image_uri_unknown", message, code)
            elif wanted is not None and upload.use_case != wanted.group(1):
                message = (
                    f"{path} {uri!r} was uploaded as {upload.use_case}; the reference wants {wanted.group(1)}"
                )
                yield _breach(found, path, "image_use_case", message, code)

    def _warehouse_ids(self, found: Match, shop: SandboxShop, body: JsonObject) -> Iterator[Violation]:
        kinds = {warehouse["id"]: warehouse["type"] for warehouse in self.warehouses(shop)}
        for path, warehouse_id, _ in values_of(found.endpoint.body, body, _is_warehouse_id):
            kind = kinds.get(warehouse_id)
            if kind is None:
                message = f"The warehouse '{warehouse_id}' ({path}) does not belong to this shop/seller."
                yield _breach(found, path, "warehouse_unknown", message, WAREHOUSE_NOT_THE_SHOPS)
            elif kind != "SALES_WAREHOUSE":
                message = f"the warehouse not delivery warehouse: {path} is a {kind}"
                yield _breach(found, path, "warehouse_not_sales", message, WAREHOUSE_NOT_FOR_SALES)


def _uploaded_image(param: Param) -> bool:
    return param.name == "uri" and "Upload Product Image" in param.desc


def _is_warehouse_id(param: Param) -> bool:
    return param.name == "warehouse_id"


def _new_warehouse(warehouse_id: str, shop: SandboxShop, kind: str, default: bool) -> JsonObject:
    return {
        "id": warehouse_id,
        "entity_id": warehouse_id,
        "name": f"{shop.name} {'sales' if default else 'returns'}",
        "effect_status": "ENABLED",
        "type": kind,
        "sub_type": "DOMESTIC_WAREHOUSE",
        "is_default": default,
        "address": {"region": shop.region, "region_code": shop.region, "city": "Sandbox"},
    }


def _text(value: Any) -> str:
    return value.data.decode("utf-8", "replace").strip() if isinstance(value, FormPart) else ""


def _listed(found: Match, code: int, fallback: int) -> int:
    """``code`` if the endpoint's error table lists it, else ``fallback``."""
    codes = {listed for listed, _ in found.endpoint.errors}
    return code if code in codes else fallback


def _breach(found: Match, field_path: str, rule: str, message: str, code: int) -> Violation:
    return Violation(found.label, field_path, rule, message, code)


def _skus(body: JsonObject) -> list[tuple[int, JsonObject]]:
    skus = body.get("skus")
    return [(i, sku) for i, sku in enumerate(skus) if isinstance(sku, dict)] if isinstance(skus, list) else []


def _sales_attributes(found: Match, body: JsonObject) -> Iterator[Violation]:
    # skus.sales_attributes: "You can omit this object if there is only 1 SKU. Otherwise, this is required."
    skus = _skus(body)
    if len(skus) < 2:
        return
    for index, sku in skus:
        if not sku.get("sales_attributes"):
            path = f"skus[{index}].sales_attributes"
            message = (
                f"{path} is required: every SKU of a product with {len(skus)} SKUs needs its sales attributes"
            )
            code = _listed(found, PROPERTY_REQUIRED, found.endpoint.code_for(path, "required", in_body=True))
            yield _breach(found, path, "sales_attributes_required", message, code)


def _currencies(found: Match, shop: SandboxShop, body: JsonObject) -> Iterator[Violation]:
    expected = REGION_CURRENCY.get(shop.region)
    for index, sku in _skus(body):
        price = sku.get("price")
        currency = price.get("currency") if isinstance(price, dict) else None
        if expected and isinstance(currency, str) and currency != expected:
            path = f"skus[{index}].price.currency"
            message = (
                f"The provided currency is not available for this shop/region: {path} is {currency}, "
                f"the {shop.region} shop sells in {expected}"
            )
            yield _breach(found, path, "currency_region", message, CURRENCY_NOT_THE_REGIONS)


def _category(found: Match, shop: SandboxShop, body: JsonObject) -> Iterator[Violation]:
    # category_id: "It must be a leaf category that corresponds to the category tree type specified
    # in the category_version property"; product_attributes: those Get Attributes marks is_requried.
    yield from _category_breaches(found, shop, body.get("category_version"), body.get("category_id"))
    category = CATEGORY_BY_ID.get(str(body.get("category_id")))
    if category is not None and is_leaf(category):
        yield from _attributes(found, category, body)
    if shop.region not in DIMENSIONS_OPTIONAL and not body.get("package_dimensions"):
        message = f"package_dimensions is required in {shop.region} (Get Category Rules, package_dimension)"
        yield _breach(found, "package_dimensions", "package_dimensions_required", message, PROPERTY_REQUIRED)


def _category_query(found: Match, shop: SandboxShop, query: Mapping[str, str]) -> Iterator[Violation]:
    # "For US shops, you must pass v2 when using this API" (Get Categories, Attributes, Category Rules);
    # the last two take a leaf category.
    category_id = found.path_params.get("category_id")
    yield from _category_breaches(
        found, shop, query.get("category_version"), category_id, category_id is None
    )


def _category_breaches(
    found: Match, shop: SandboxShop, version: Any, category_id: Any, any_category: bool = False
) -> Iterator[Violation]:
    given, wanted = version or DEFAULT_CATEGORY_VERSION, category_version(shop.region)
    if given != wanted:
        message = f"Incorrect category version: category_version is {wanted} in {shop.region}, not {given}"
        yield _breach(found, "category_version", "category_version", message, CATEGORY_VERSION)
    if any_category:
        return
    category = CATEGORY_BY_ID.get(category_id) if isinstance(category_id, str) else None
    if category is None:
        message = f"Category does not exist: category_id {category_id!r} is not one of Get Categories"
        yield _breach(found, "category_id", "category_unknown", message, CATEGORY_UNKNOWN)
    elif not is_leaf(category):
        message = f"Category is not final category: category_id {category_id} ({category.name}) is not a leaf"
        yield _breach(found, "category_id", "category_not_leaf", message, CATEGORY_NOT_LEAF)


def _attributes(found: Match, category: Category, body: JsonObject) -> Iterator[Violation]:
    given = body.get("product_attributes")
    valued = {
        str(attribute.get("id"))
        for attribute in (given if isinstance(given, list) else ())
        if isinstance(attribute, dict) and attribute.get("values")
    }
    for attribute in category.attributes:
        if attribute.required and attribute.id not in valued:
            message = f"product_attributes must give {attribute.id} ({attribute.name}) in {category.id}"
            yield _breach(found, "product_attributes", "attribute_required", message, PROPERTY_REQUIRED)


def _product_live(found: Match, shop: SandboxShop, products: Mapping[str, JsonObject]) -> Iterator[Violation]:
    # Update Inventory, skus.id: "The SKU ID must belong to a product with the ACTIVATE status."
    product = products.get(found.path_params.get("product_id", ""))
    if product is not None and product["shop_id"] == shop.shop_id and product["status"] != "ACTIVATE":
        message = (
            f"The product in its current status is not available for this operation: product_id "
            f"{product['id']} is {product['status']}, stock is updated for ACTIVATE products only"
        )
        yield _breach(found, "product_id", "product_not_active", message, STATUS_NOT_AVAILABLE)
