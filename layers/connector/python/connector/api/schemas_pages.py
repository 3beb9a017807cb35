"""The product and order listings: GET /v1/products and /v1/orders, a page at a time."""

from __future__ import annotations

from connector.api.schemas import _Out
from connector.domain.status import OrderStatus, ProductStatus


class ProductOut(_Out):
    id: str
    title: str
    status: ProductStatus
    tiktok_product_id: str | None
    tiktok_status: str | None
    failure_reason: str | None
    missing: list[str]  # what TikTok needs that the product does not give: fixed from its listing form
    waiting_reason: str | None  # approved by TikTok, not yet on sale: what it waits for
    # TikTok refused an edit: the live version sells on, unchanged.
    edit_rejected_reason: str | None
    shopify_status: str  # ACTIVE, DRAFT or ARCHIVED: only active products sell on TikTok Shop
    tiktok_category_id: str | None
    variants: int
    updated_at: int


class ProductPage(_Out):
    items: list[ProductOut]
    next_cursor: str | None


class OrderOut(_Out):
    id: str
    status: OrderStatus
    tiktok_status: str
    shopify_order_id: str | None
    update_time: int
    created_at: int
    cancellation_status: str | None
    return_status: str | None
    held_for_quota: bool
    # Why it is not in Shopify: Shopify's own reason, for the merchant to fix and retry.
    sync_problem: str | None
    fulfilled_by_tiktok: bool  # TikTok ships it: shown here, never a Shopify order to fulfil
    unmatched_skus: list[str]  # TikTok SKUs that match no product of ours: custom lines in Shopify
    cancelled_in_shopify: bool


class OrderPage(_Out):
    items: list[OrderOut]
    next_cursor: str | None
