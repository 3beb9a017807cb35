"""The values the Shopify client takes and returns: frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OfflineToken:
    access_token: str = field(repr=False)
    scope: tuple[str, ...] = ()
    expires_in: int | None = None  # set for expiring offline tokens only
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ShopifyImage:
    id: str
    url: str
    alt_text: str | None


@dataclass(frozen=True, slots=True)
class ShopifyVariant:
    id: str
    sku: str | None
    price: Decimal
    inventory_quantity: int | None
    inventory_item_id: str | None


@dataclass(frozen=True, slots=True)
class ShopifyProduct:
    id: str
    title: str
    handle: str
    description: str
    description_html: str
    status: str  # ACTIVE | ARCHIVED | DRAFT
    updated_at: datetime
    variants: tuple[ShopifyVariant, ...]
    images: tuple[ShopifyImage, ...]


@dataclass(frozen=True, slots=True)
class BulkOperation:
    id: str  # gid://shopify/BulkOperation/<n>
    status: str  # CREATED | RUNNING | COMPLETED | FAILED | CANCELING | CANCELED | EXPIRED
    error_code: str | None = None
    url: str | None = None  # the JSONL result once COMPLETED; None when the query found nothing
    query: str = ""  # the bulk query, whitespace collapsed

    @property
    def running(self) -> bool:
        return self.status in ("CREATED", "RUNNING", "CANCELING")


@dataclass(frozen=True, slots=True)
class OrderLine:
    variant_id: str  # numeric id or gid
    quantity: int
    price: Decimal  # unit price in the order's currency


@dataclass(frozen=True, slots=True)
class AppSubscription:
    id: str
    status: str
    confirmation_url: str
