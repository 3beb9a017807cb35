"""The Shopify sandbox's records: a generated catalog of N products per shop (the same for the same
seed and shop), and the orders, app subscriptions and bulk operations created through the API.

Some products are deliberately invalid for TikTok Shop (``defect`` says how) so that upload
failures can be shown: an empty title, no image, a zero price, a title over 255 characters.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

# Every twelfth product carries one defect, at these positions (index % 12).
DEFECTS = {3: "empty_title", 6: "no_image", 8: "zero_price", 11: "long_title"}
MANY_VARIANTS_EVERY = 50  # product index % 50 == 49 gets more variants than one page of 20
ADJECTIVES = ("Classic", "Organic", "Vintage", "Compact", "Deluxe", "Everyday", "Premium", "Travel")
NOUNS = ("Mug", "T-Shirt", "Backpack", "Candle", "Notebook", "Water Bottle", "Scarf", "Lamp")
SIZES = ("S", "M", "L", "XL", "XXL")
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class SandboxImage:
    id: int
    url: str
    alt_text: str | None


@dataclass
class SandboxVariant:
    id: int
    title: str
    sku: str
    price: Decimal
    inventory_quantity: int
    inventory_item_id: int
    updated_at: datetime


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

    @property
    def gid(self) -> str:
        return f"gid://shopify/Product/{self.id}"


def shop_number(shop: str) -> int:
    """A stable number per shop, used in ids so two shops never share one."""
    return zlib.crc32(shop.encode()) % 90_000 + 10_000


def generate_catalog(shop: str, count: int, seed: int) -> list[SandboxProduct]:
    rng = random.Random(f"{seed}:{shop}")
    base = shop_number(shop)
    return [generate_product(rng, base, index) for index in range(count)]


def generate_product(rng: random.Random, base: int, index: int) -> SandboxProduct:
    product_id = base * 10**8 + index + 1
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {index + 1}"
    defect = DEFECTS.get(index % 12)
    created = BASE_TIME + timedelta(minutes=index)
    variant_count = 25 if index % MANY_VARIANTS_EVERY == MANY_VARIANTS_EVERY - 1 else rng.randint(1, 4)
    product = SandboxProduct(
        id=product_id,
        title=_title(name, defect),
        handle=f"{name.lower().replace(' ', '-')}",
        description_html=f"<p>{name}: a sandbox product for the connector.</p>",
        status="ACTIVE" if index % 10 else "DRAFT",
        vendor="Sandbox Supply Co.",
        product_type=name.split()[1],
        tags=["sandbox", f"batch-{index // 100}"],
        created_at=created,
        updated_at=created,
        defect=defect,
    )
    for position in range(variant_count):
        variant_id = product_id * 100 + position + 1
        price = Decimal("0.00") if defect == "zero_price" else Decimal(rng.randint(500, 9999)) / 100
        product.variants.append(
            SandboxVariant(
                id=variant_id,
                title=SIZES[position % len(SIZES)] + (f"-{position // len(SIZES)}" if position >= 5 else ""),
                sku=f"SBX-{product_id}-{position + 1}",
                price=price,
                inventory_quantity=rng.randint(0, 120),
                inventory_item_id=variant_id + 5 * 10**13,
                updated_at=created,
            )
        )
    if defect != "no_image":
        for position in range(rng.randint(1, 3)):
            image_id = product_id * 10 + position + 1
            product.images.append(
                SandboxImage(
                    id=image_id,
                    url=f"https://cdn.shopify.com/s/files/sandbox/{image_id}.jpg",
                    alt_text=name if position == 0 else None,
                )
            )
    return product


def _title(name: str, defect: str | None) -> str:
    if defect == "empty_title":
        return ""
    if defect == "long_title":
        return (name + " - extra long title ") * 14  # well over TikTok's 255 characters
    return name


@dataclass
class SandboxOrderLine:
    id: int
    variant_id: int | None
    product_id: int | None
    sku: str | None
    title: str
    quantity: int
    price: Decimal


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

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def total(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal("0.00"))


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
