"""The shop's TikTok sales warehouses (Get Warehouse List), read at connection, by the daily
schedule and by the first upload of a shop connected before they were kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.domain.entities import Warehouse

if TYPE_CHECKING:  # the client loads requests: imported where it is built
    from connector.clients.tiktok.shop import ShopClient


def sales_warehouses(api: ShopClient) -> tuple[Warehouse, ...]:
    """The shop's enabled sales warehouses (Get Warehouse List), the default first."""
    found = [w for w in api.get_warehouses() if w.for_sales and w.enabled]
    found.sort(key=lambda w: not w.is_default)
    return tuple(Warehouse(w.warehouse_id, w.name, w.is_default) for w in found)
