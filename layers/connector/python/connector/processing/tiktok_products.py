"""Reads a product's status from TikTok for the processor, with the shop's own tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.clients.tiktok.errors import TikTokApiError
from connector.clients.tiktok.shop import ShopClient
from connector.domain.changes import LIVE_ON_TIKTOK, ListedStatus
from connector.domain.entities import Shop

if TYPE_CHECKING:
    from connector.wiring import Ports

# TikTok may stamp a deletion a moment before the webhook's update_time: look a little earlier.
DELETION_LOOKBACK_SECONDS = 300


class TikTokProductStatusReader:
    def __init__(self, ports: Ports) -> None:
        self._ports = ports

    def status_of(self, shop: Shop, tiktok_product_id: str, since: int) -> ListedStatus:
        api = self._ports.tiktok_api(shop)
        try:
            product = api.get_product(tiktok_product_id)
        except TikTokApiError as error:
            if error.http_status == 404 or "not exist" in error.message.lower():
                return ListedStatus(_deleted_or_unknown(api, tiktok_product_id, since))
            raise
        on_sale = (product.product_status or product.status) == LIVE_ON_TIKTOK
        return ListedStatus(product.status, "; ".join(product.audit_failed_reasons) or None, on_sale)


def _deleted_or_unknown(api: ShopClient, tiktok_product_id: str, since: int) -> str | None:
    """Get Product answers nothing for frozen and deleted products; Search Products filtered by
    status and update time tells a deletion apart (TikTok's Search Products, 202309)."""
    token = None
    while True:
        page = api.search_products(
            status="DELETED", update_time_ge=max(0, since - DELETION_LOOKBACK_SECONDS), page_token=token
        )
        if any(product.product_id == tiktok_product_id for product in page.products):
            return "DELETED"
        token = page.next_page_token or None
        if token is None:
            return None
