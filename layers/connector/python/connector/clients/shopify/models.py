"""The values the Shopify client takes and returns: frozen values (connector.values), no I/O."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from connector.values import Private, Value


class OfflineToken(Private, frozen=True):
    hidden = frozenset({"access_token", "refresh_token"})
    access_token: str
    scope: tuple[str, ...] = ()
    expires_in: int | None = None  # set for expiring offline tokens only
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None


class ShopifyImage(Value, frozen=True):
    id: str
    url: str
    alt_text: str | None


class ShopifyOption(Value, frozen=True):
    name: str  # "Size", or Shopify's "Title" on a product with one variant
    values: tuple[str, ...]


class ShopifyVariant(Value, frozen=True):
    id: str
    sku: str | None
    price: Decimal
    inventory_quantity: int | None
    inventory_item_id: str | None
    selected_options: tuple[tuple[str, str], ...] = ()  # (option name, value), in option order
    image_id: str | None = None  # numeric id of the variant's image
    image_url: str | None = None
    weight_grams: Decimal | None = None  # None when Shopify has no weight for it
    compare_at_price: Decimal | None = None


class ShopifyProduct(Value, frozen=True):
    id: str
    title: str
    handle: str
    description: str
    description_html: str
    status: str  # ACTIVE | ARCHIVED | DRAFT
    updated_at: datetime
    variants: tuple[ShopifyVariant, ...]
    images: tuple[ShopifyImage, ...]
    vendor: str = ""
    product_type: str = ""
    category: str = ""  # the standard category's full name ("Home & Garden > ... > Mugs"), "" for none
    category_id: str | None = None  # its taxonomy id ("hg-11-10-7-3")
    options: tuple[ShopifyOption, ...] = ()


class ShopifyLocation(Value, frozen=True):
    id: str  # numeric
    name: str
    active: bool
    fulfills_online_orders: bool


class BulkOperation(Value, frozen=True):
    id: str  # gid://shopify/BulkOperation/<n>
    status: str  # CREATED | RUNNING | COMPLETED | FAILED | CANCELING | CANCELED | EXPIRED
    error_code: str | None = None
    url: str | None = None  # the JSONL result once COMPLETED; None when the query found nothing
    query: str = ""  # the bulk query, whitespace collapsed

    @property
    def running(self) -> bool:
        return self.status in ("CREATED", "RUNNING", "CANCELING")


class ShopifyOrderLineItem(Value, frozen=True):
    """One line item of a Shopify order (objects/LineItem)."""

    id: str  # numeric
    variant_id: str | None  # numeric; None on a custom line item (or a deleted variant)
    sku: str | None
    quantity: int  # as ordered
    current_quantity: int  # less refunded and removed units
    refundable_quantity: int
    unfulfilled_quantity: int


class AppSubscription(Value, frozen=True):
    id: str
    status: str
    confirmation_url: str
    gid: str = ""  # gid://shopify/AppSubscription/<id>, as app_subscriptions/update names it
    name: str = ""
    created_at: datetime | None = None


class ShopFacts(Value, frozen=True):
    """Shopify's shop.ianaTimezone ("America/New_York") and shop.currencyCode ("USD")."""

    iana_timezone: str
    currency: str


class ActiveSubscription(Value, frozen=True):
    """One of currentAppInstallation.activeSubscriptions."""

    gid: str
    name: str
    status: str
    created_at: datetime
    current_period_end: datetime | None
