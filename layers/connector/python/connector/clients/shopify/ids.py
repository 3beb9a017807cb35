"""Shopify's global ids (``gid://shopify/<Kind>/<n>``) and the numeric ids the connector stores."""

from __future__ import annotations


def numeric_id(gid: str) -> str:
    """'gid://shopify/Product/123' -> '123' (a query string, as on InventoryLevel gids, is dropped)."""
    return gid.rsplit("/", 1)[-1].split("?", 1)[0]


def to_gid(kind: str, value: str | int) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"
