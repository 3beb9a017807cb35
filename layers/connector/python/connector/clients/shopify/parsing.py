"""The GraphQL Admin API's answers (and bulk result lines) read into the models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.clients.shopify.errors import ShopifyUserError, UserError
from connector.clients.shopify.ids import numeric_id
from connector.clients.shopify.models import (
    ActiveSubscription,
    AppSubscription,
    BulkOperation,
    ShopifyImage,
    ShopifyLocation,
    ShopifyOption,
    ShopifyOrderLineItem,
    ShopifyProduct,
    ShopifyVariant,
)
from connector.clients.shopify.weights import weight_grams


def product(
    node: dict[str, Any], variants: Sequence[dict[str, Any]], images: Sequence[dict[str, Any]]
) -> ShopifyProduct:
    category = node.get("category") or {}
    return ShopifyProduct(
        id=numeric_id(node["id"]),
        title=node["title"],
        handle=node.get("handle") or "",
        description=node.get("description") or "",
        description_html=node.get("descriptionHtml") or "",
        status=node["status"],
        updated_at=datetime.fromisoformat(node["updatedAt"].replace("Z", "+00:00")),
        variants=tuple(variant(v) for v in variants),
        images=tuple(
            ShopifyImage(
                id=numeric_id(i["id"]) if i.get("id") else "", url=i["url"], alt_text=i.get("altText")
            )
            for i in images
        ),
        vendor=node.get("vendor") or "",
        product_type=node.get("productType") or "",
        category=category.get("fullName") or "",
        category_id=numeric_id(category["id"]) if category.get("id") else None,
        options=tuple(
            ShopifyOption(name=o["name"], values=tuple(o.get("values") or ()))
            for o in node.get("options") or ()
        ),
    )


def variant(node: dict[str, Any]) -> ShopifyVariant:
    item = node.get("inventoryItem") or {}
    image = _variant_image(node)
    return ShopifyVariant(
        id=numeric_id(node["id"]),
        sku=node.get("sku") or None,
        price=Decimal(str(node["price"])),
        inventory_quantity=node.get("inventoryQuantity"),
        inventory_item_id=numeric_id(item["id"]) if item.get("id") else None,
        selected_options=tuple((o["name"], o["value"]) for o in node.get("selectedOptions") or ()),
        image_id=numeric_id(image["id"]) if image.get("id") else None,
        image_url=image.get("url"),
        weight_grams=weight_grams((item.get("measurement") or {}).get("weight")),
        compare_at_price=Decimal(str(node["compareAtPrice"])) if node.get("compareAtPrice") else None,
    )


def _variant_image(node: dict[str, Any]) -> dict[str, Any]:
    """{id, url} of the variant's image: its first MediaImage (pages), or the ``image`` object
    (bulk results, see documents.BULK_VARIANT_FIELDS); {} when it has none."""
    for media in (node.get("media") or {}).get("nodes") or ():
        if media and media.get("image"):
            return {"id": media.get("id"), "url": media["image"].get("url")}
    return node.get("image") or {}


def location(node: dict[str, Any]) -> ShopifyLocation:
    return ShopifyLocation(
        id=numeric_id(node["id"]),
        name=node.get("name") or "",
        active=bool(node.get("isActive")),
        fulfills_online_orders=bool(node.get("fulfillsOnlineOrders")),
    )


def available_by_location(levels: Sequence[dict[str, Any]]) -> dict[str, int]:
    """location id -> the ``available`` quantity, from InventoryLevel nodes."""
    found: dict[str, int] = {}
    for level in levels:
        quantities = {q["name"]: q["quantity"] for q in level.get("quantities") or ()}
        if "available" in quantities:
            found[numeric_id(level["location"]["id"])] = int(quantities["available"])
    return found


def same_query(query: str) -> str:
    """A query with its whitespace collapsed, as bulk operations are compared."""
    return " ".join(query.split())


def bulk_operation(node: dict[str, Any] | None) -> BulkOperation | None:
    if not node or not node.get("id"):
        return None
    return BulkOperation(
        id=node["id"],
        status=node["status"],
        error_code=node.get("errorCode"),
        url=node.get("url"),
        query=same_query(node.get("query") or ""),
    )


def order_line_item(node: dict[str, Any]) -> ShopifyOrderLineItem:
    variant = node.get("variant") or {}
    return ShopifyOrderLineItem(
        id=numeric_id(node["id"]),
        variant_id=numeric_id(variant["id"]) if variant.get("id") else None,
        sku=node.get("sku") or None,
        quantity=int(node.get("quantity") or 0),
        current_quantity=int(node.get("currentQuantity") or 0),
        refundable_quantity=int(node.get("refundableQuantity") or 0),
        unfulfilled_quantity=int(node.get("unfulfilledQuantity") or 0),
    )


def user_errors(result: dict[str, Any], key: str = "userErrors") -> list[UserError]:
    return [
        UserError(message=e["message"], field=tuple(e.get("field") or ()), code=e.get("code"))
        for e in result.get(key) or []
    ]


def raise_user_errors(
    mutation: str,
    result: dict[str, Any],
    error: type[ShopifyUserError] = ShopifyUserError,
    key: str = "userErrors",
) -> None:
    """``error`` (ShopifyUserError) when a mutation's result holds user errors (under ``key``)."""
    errors = user_errors(result, key)
    if errors:
        raise error(mutation, errors)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def app_subscription(subscription: dict[str, Any], confirmation_url: str) -> AppSubscription:
    """appSubscriptionCreate's answer."""
    created = subscription.get("createdAt")
    return AppSubscription(
        id=numeric_id(subscription["id"]),
        status=subscription.get("status") or "PENDING",
        confirmation_url=confirmation_url,
        gid=subscription["id"],
        name=subscription.get("name") or "",
        created_at=_moment(created) if created else None,
    )


def active_subscription(node: dict[str, Any]) -> ActiveSubscription:
    period_end = node.get("currentPeriodEnd")
    return ActiveSubscription(
        gid=node["id"],
        name=node["name"],
        status=node["status"],
        created_at=_moment(node["createdAt"]),
        current_period_end=_moment(period_end) if period_end else None,
    )
