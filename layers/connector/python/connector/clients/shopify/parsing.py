"""The GraphQL Admin API's answers (and bulk result lines) read into the models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from connector.clients.shopify.errors import ShopifyUserError, UserError
from connector.clients.shopify.ids import numeric_id
from connector.clients.shopify.models import BulkOperation, ShopifyImage, ShopifyProduct, ShopifyVariant


def product(
    node: dict[str, Any], variants: Sequence[dict[str, Any]], images: Sequence[dict[str, Any]]
) -> ShopifyProduct:
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
    )


def variant(node: dict[str, Any]) -> ShopifyVariant:
    item = node.get("inventoryItem") or {}
    return ShopifyVariant(
        id=numeric_id(node["id"]),
        sku=node.get("sku") or None,
        price=Decimal(str(node["price"])),
        inventory_quantity=node.get("inventoryQuantity"),
        inventory_item_id=numeric_id(item["id"]) if item.get("id") else None,
    )


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


def raise_user_errors(mutation: str, result: dict[str, Any]) -> None:
    """ShopifyUserError when a mutation's result holds ``userErrors``."""
    errors = result.get("userErrors") or []
    if errors:
        raise ShopifyUserError(
            mutation,
            [
                UserError(message=e["message"], field=tuple(e.get("field") or ()), code=e.get("code"))
                for e in errors
            ],
        )
