"""The Shopify sandbox's records: a generated catalog of N products per shop (the same for the same
seed and shop), and the orders, app subscriptions and bulk operations created through the API.

Some products are deliberately invalid for TikTok Shop (``defect`` says how) so that upload
failures can be shown: an empty title, no image, a zero price, a title over 255 characters.

Products carry what a listing needs, shaped as Shopify shapes it: 1 to 3 options whose values the
variants select (a product with one variant has Shopify's "Title" / "Default Title" option,
shopify.dev/docs/api/admin-graphql/2025-10/objects/ProductOption), variant images among the
product's images, weights in any of the four ``WeightUnit`` units, compare-at prices, and stock
split over the shop's three locations (two fulfil online orders, one does not). These come from a
second random stream per product, so the titles, prices and stock the first stream has always drawn
(and tests count on) do not move.

Orders keep the whole input they were created with, their line items (with the units each took from
which location), refunds, fulfillments and cancellation (see ``shopify_orders``).
"""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

# Every twelfth product carries one defect, at these positions (index % 12).
DEFECTS = {3: "empty_title", 6: "no_image", 8: "zero_price", 11: "long_title"}
DRAFT_EVERY = 10
MANY_VARIANTS_EVERY = 50  # product index % 50 == 49 gets more variants than one page of 20
ADJECTIVES = ("Classic", "Organic", "Vintage", "Compact", "Deluxe", "Everyday", "Premium", "Travel")
NOUNS = ("Mug", "T-Shirt", "Backpack", "Candle", "Notebook", "Water Bottle", "Scarf", "Lamp")
SIZES = ("S", "M", "L", "XL", "XXL")
OPTION_VALUES = {
    "Size": SIZES,
    "Color": ("Black", "White", "Red", "Navy", "Green"),
    "Material": ("Cotton", "Wool", "Linen"),
}
VENDOR = "Sandbox Supply Co."
# WeightUnit values (shopify.dev/docs/api/admin-graphql/2025-10/enums/WeightUnit) and a plausible range.
WEIGHTS = {"GRAMS": (50, 2000, 0), "KILOGRAMS": (1, 50, 1), "OUNCES": (2, 64, 0), "POUNDS": (1, 90, 1)}
IMAGE_SIZE = 1024  # pixels a side of a generated image
DEFAULT_CDN = "https://cdn.shopify.com"  # when no sandbox url is given (unit tests of the catalog)
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SandboxLocation:
    id: int
    name: str
    fulfills_online_orders: bool
    active: bool = True

    @property
    def gid(self) -> str:
        return f"gid://shopify/Location/{self.id}"


def shop_locations(base: int) -> tuple[SandboxLocation, ...]:
    """A shop's three locations: two that fulfil online orders, a shop floor that does not."""
    return (
        SandboxLocation(base * 1000 + 1, "Main Warehouse", fulfills_online_orders=True),
        SandboxLocation(base * 1000 + 2, "Overflow Warehouse", fulfills_online_orders=True),
        SandboxLocation(base * 1000 + 3, "Retail Store", fulfills_online_orders=False),
    )


@dataclass
class SandboxImage:
    id: int
    url: str
    alt_text: str | None
    width: int = IMAGE_SIZE
    height: int = IMAGE_SIZE
    format: str = "png"  # png | jpeg | gif: what the served bytes are
    min_bytes: int = 0  # the served file is padded to at least this size (an oversized file)


@dataclass
class SandboxVariant:
    id: int
    title: str
    sku: str
    price: Decimal
    inventory_quantity: int  # the total over the locations (``levels``)
    inventory_item_id: int
    updated_at: datetime
    selected_options: list[tuple[str, str]] = field(default_factory=list)
    image_id: int | None = None
    weight: Decimal = Decimal("0")
    weight_unit: str = "GRAMS"
    compare_at_price: Decimal | None = None
    levels: dict[int, int] = field(default_factory=dict)  # location id -> available

    def set_available(self, location_id: int, available: int) -> None:
        self.levels[location_id] = available
        self.inventory_quantity = sum(self.levels.values())

    def take(self, quantity: int) -> None:
        """An order's units leave the locations in turn (the total may go below zero, as Shopify's
        does for an order that bypasses inventory)."""
        self.inventory_quantity -= quantity
        for location_id in list(self.levels):
            taken = min(quantity, max(0, self.levels[location_id]))
            self.levels[location_id] -= taken
            quantity -= taken
        if quantity and self.levels:
            first = next(iter(self.levels))
            self.levels[first] -= quantity


@dataclass
class SandboxOption:
    name: str
    values: list[str]


@dataclass
class SandboxProduct:
    id: int
    title: str
    handle: str
    description_html: str
    status: str  # ACTIVE | ARCHIVED | DRAFT
    vendor: str
    product_type: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    variants: list[SandboxVariant] = field(default_factory=list)
    images: list[SandboxImage] = field(default_factory=list)
    defect: str | None = None  # why TikTok Shop would refuse it, when it would
    options: list[SandboxOption] = field(default_factory=list)
    category: tuple[str, str] | None = None  # (taxonomy id, full name) of Shopify's standard category
    # The highest variant id ever given, so that a removed variant's id is never given again.
    highest_variant_id: int = 0

    @property
    def gid(self) -> str:
        return f"gid://shopify/Product/{self.id}"


def shop_number(shop: str) -> int:
    """A stable number per shop, used in ids so two shops never share one."""
    return zlib.crc32(shop.encode()) % 90_000 + 10_000


# Shopify's standard product taxonomy (shopify.dev/docs/api/admin-graphql/2025-10/objects/TaxonomyCategory):
# full names from the published taxonomy; the ids are sandbox ones in the taxonomy's form.
CATEGORIES = {
    "Mug": ("hg-11-10-7-3", "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs"),
    "T-Shirt": ("aa-1-13-8", "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts"),
    "Backpack": ("lb-2", "Luggage & Bags > Backpacks"),
    "Candle": ("hg-3-14", "Home & Garden > Decor > Candles"),
    "Notebook": ("os-4-6-1", "Office Supplies > Paper Products > Notebooks & Notepads"),
    "Water Bottle": (
        "hg-11-10-7-11",
        "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Water Bottles",
    ),
    "Scarf": ("aa-2-28", "Apparel & Accessories > Clothing Accessories > Scarves & Shawls"),
    "Lamp": ("hg-13-2", "Home & Garden > Lighting > Lamps"),
}
NO_CATEGORY_EVERY = 7  # index % 7 == 5: the merchant chose no category


def generate_catalog(shop: str, count: int, seed: int, cdn: str = DEFAULT_CDN) -> list[SandboxProduct]:
    rng = random.Random(f"{seed}:{shop}")
    base = shop_number(shop)
    return [generate_product(rng, base, index, cdn) for index in range(count)]


def generate_product(rng: random.Random, base: int, index: int, cdn: str = DEFAULT_CDN) -> SandboxProduct:
    product_id = base * 10**8 + index + 1
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {index + 1}"
    noun = name.split(" ", 1)[1].rsplit(" ", 1)[0]
    defect = DEFECTS.get(index % 12)
    created = BASE_TIME + timedelta(minutes=index)
    variant_count = 25 if index % MANY_VARIANTS_EVERY == MANY_VARIANTS_EVERY - 1 else rng.randint(1, 4)
    extra = random.Random(f"listing:{product_id}")  # the second stream: see the module's docstring
    product = SandboxProduct(
        id=product_id,
        title=_title(name, defect),
        handle=f"{name.lower().replace(' ', '-')}",
        description_html=f"<p>{name}: a sandbox product for the connector.</p>",
        # Every tenth product is a draft (the last of each ten, so small test catalogs are all active).
        status="DRAFT" if index % 10 == DRAFT_EVERY - 1 else "ACTIVE",
        vendor=VENDOR,
        product_type=noun,
        tags=["sandbox", f"batch-{index // 100}"],
        created_at=created,
        updated_at=created,
        defect=defect,
        category=None if index % NO_CATEGORY_EVERY == 5 else CATEGORIES[noun],
    )
    if defect != "no_image":
        for position in range(rng.randint(1, 3)):
            image_id = product_id * 10 + position + 1
            product.images.append(
                SandboxImage(
                    id=image_id, url=image_url(cdn, image_id), alt_text=name if position == 0 else None
                )
            )
    combinations = _option_combinations(extra, variant_count)
    product.options = _options_used(combinations)
    locations = shop_locations(base)
    for position, chosen in enumerate(combinations):
        variant_id = product_id * 100 + position + 1
        price = Decimal("0.00") if defect == "zero_price" else Decimal(rng.randint(500, 9999)) / 100
        variant = SandboxVariant(
            id=variant_id,
            title=" / ".join(value for _, value in chosen),
            sku=f"SBX-{product_id}-{position + 1}",
            price=price,
            inventory_quantity=rng.randint(0, 120),
            inventory_item_id=variant_id + 5 * 10**13,
            updated_at=created,
            selected_options=list(chosen),
        )
        _listing_details(extra, variant, product.images, locations)
        product.variants.append(variant)
    return product


def image_url(cdn: str, image_id: int, extension: str = "png") -> str:
    """Where Shopify's CDN serves a product image (``/cdn/shop/files/...?v=``); the sandbox serves
    the same path itself, so clients download real bytes from loopback."""
    return f"{cdn.rstrip('/')}/cdn/shop/files/{image_id}.{extension}?v=1"


def _option_combinations(extra: random.Random, count: int) -> list[list[tuple[str, str]]]:
    """The first ``count`` combinations of 1 to 3 options (enough of them for ``count``)."""
    if count == 1:
        return [[("Title", "Default Title")]]
    least = 1 if count <= len(SIZES) else 2
    names = list(OPTION_VALUES)[: extra.randint(least, 3)]
    product = itertools.product(*[[(name, value) for value in OPTION_VALUES[name]] for name in names])
    return [list(chosen) for chosen in itertools.islice(product, count)]


def _options_used(combinations: list[list[tuple[str, str]]]) -> list[SandboxOption]:
    options: dict[str, list[str]] = {}
    for chosen in combinations:
        for name, value in chosen:
            values = options.setdefault(name, [])
            if value not in values:
                values.append(value)
    return [SandboxOption(name, values) for name, values in options.items()]


def _listing_details(
    extra: random.Random,
    variant: SandboxVariant,
    images: list[SandboxImage],
    locations: tuple[SandboxLocation, ...],
) -> None:
    """A variant's image, weight, compare-at price and stock per location (the second stream)."""
    if images and extra.random() < 0.5:
        variant.image_id = extra.choice(images).id
    unit = extra.choice(list(WEIGHTS))
    low, high, places = WEIGHTS[unit]
    variant.weight = Decimal(extra.randint(low, high)).scaleb(-places)
    variant.weight_unit = unit
    if variant.price and extra.random() < 0.3:
        variant.compare_at_price = (variant.price * Decimal("1.25")).quantize(Decimal("0.01"))
    variant.levels = split_stock(extra, variant.inventory_quantity, locations)


def split_stock(rng: random.Random, total: int, locations: tuple[SandboxLocation, ...]) -> dict[int, int]:
    """``total`` units spread at random over the shop's three locations."""
    first = rng.randint(0, total)
    second = rng.randint(0, total - first)
    return {locations[0].id: first, locations[1].id: second, locations[2].id: total - first - second}


def _title(name: str, defect: str | None) -> str:
    if defect == "empty_title":
        return ""
    if defect == "long_title":
        return (name + " - extra long title ") * 14  # well over TikTok's 255 characters
    return name


@dataclass
class SandboxOrderLine:
    id: int
    variant_id: int | None  # None: a custom line item (a title and a price, no variant)
    product_id: int | None
    sku: str | None
    title: str
    quantity: int
    price: Decimal
    variant_title: str | None = None
    vendor: str | None = None
    taxable: bool = True
    requires_shipping: bool = True
    tax_lines: list[SandboxTaxLine] = field(default_factory=list)
    taken: dict[int, int] = field(default_factory=dict)  # location id -> units the order took there
    fulfilled: int = 0
    refunded: int = 0

    @property
    def unfulfilled(self) -> int:
        return max(0, self.quantity - self.refunded - self.fulfilled)


@dataclass(frozen=True)
class SandboxTaxLine:
    title: str
    rate: Decimal
    price: Decimal


@dataclass(frozen=True)
class SandboxShippingLine:
    title: str
    price: Decimal
    code: str | None = None
    source: str | None = None
    tax_lines: tuple[SandboxTaxLine, ...] = ()


@dataclass(frozen=True)
class SandboxRefundLine:
    line_id: int
    quantity: int
    restock_type: str  # RETURN | CANCEL | NO_RESTOCK
    location_id: int | None
    restocked: bool
    price: Decimal


@dataclass
class SandboxRefund:
    id: int
    created_at: datetime
    lines: list[SandboxRefundLine]
    transactions: list[dict[str, Any]]  # the input's OrderTransactionInput (amount, gateway, kind...)
    note: str | None = None
    notify: bool = False
    shipping: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(t.get("amount", "0"))) for t in self.transactions), Decimal("0.00"))


@dataclass
class SandboxFulfillment:
    id: int
    order_id: int
    name: str
    created_at: datetime
    updated_at: datetime
    lines: dict[int, int]  # line item id -> quantity
    tracking_company: str | None
    tracking_numbers: list[str]
    status: str = "success"


@dataclass
class SandboxOrder:
    id: int
    number: int
    currency: str
    lines: list[SandboxOrderLine]
    created_at: datetime
    source_name: str | None = None
    source_identifier: str | None = None
    email: str | None = None
    note: str | None = None
    tags: list[str] = field(default_factory=list)
    # The whole OrderCreateOrderInput and OrderCreateOptionsInput as received (variables, as sent).
    input: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    phone: str | None = None
    shipping_address: dict[str, Any] | None = None
    billing_address: dict[str, Any] | None = None
    shipping_lines: list[SandboxShippingLine] = field(default_factory=list)
    tax_lines: list[SandboxTaxLine] = field(default_factory=list)
    discount_code: str | None = None
    discount: Decimal = Decimal("0.00")
    free_shipping: bool = False
    transactions: list[dict[str, Any]] = field(default_factory=list)
    financial_status: str | None = None  # OrderCreateFinancialStatus as given
    processed_at: datetime | None = None
    taxes_included: bool = False
    test: bool = False
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    staff_note: str | None = None
    refunds: list[SandboxRefund] = field(default_factory=list)
    fulfillments: list[SandboxFulfillment] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def subtotal(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0.00")) - self.discount

    @property
    def shipping(self) -> Decimal:
        return (
            Decimal("0.00")
            if self.free_shipping
            else sum((s.price for s in self.shipping_lines), Decimal("0.00"))
        )

    @property
    def tax(self) -> Decimal:
        lines = [t.price for line in self.lines for t in line.tax_lines]
        shipping = [] if self.free_shipping else [t.price for s in self.shipping_lines for t in s.tax_lines]
        return sum((*lines, *shipping, *(t.price for t in self.tax_lines)), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        """What the buyer pays: the lines less the discount, shipping, and taxes unless included."""
        return self.subtotal + self.shipping + (Decimal("0.00") if self.taxes_included else self.tax)

    @property
    def refunded(self) -> Decimal:
        return sum((refund.total for refund in self.refunds), Decimal("0.00"))

    def line(self, line_id: int) -> SandboxOrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)


@dataclass
class SandboxSubscription:
    id: int
    shop: str
    name: str
    price: Decimal
    currency: str
    interval: str  # EVERY_30_DAYS | ANNUAL
    return_url: str
    test: bool
    created_at: datetime
    updated_at: datetime
    status: str = "PENDING"
    replacement: str = "STANDARD"  # its AppSubscriptionReplacementBehavior
    current_period_end: datetime | None = None  # set while ACTIVE

    @property
    def period_days(self) -> int:
        return 365 if self.interval == "ANNUAL" else 30


@dataclass(frozen=True)
class SandboxBulkOperation:
    """One bulk query operation. Frozen: its runner replaces the shop's record at each step, so a
    reader (``node``, ``currentBulkOperation``) never sees COMPLETED without the file's url."""

    id: int
    query: str
    group_objects: bool
    created_at: datetime
    status: str = "CREATED"  # CREATED -> RUNNING -> COMPLETED | FAILED
    error_code: str | None = None
    completed_at: datetime | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None

    @property
    def gid(self) -> str:
        return f"gid://shopify/BulkOperation/{self.id}"

    @property
    def in_progress(self) -> bool:
        return self.status in ("CREATED", "RUNNING")
