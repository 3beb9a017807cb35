"""Reads a product's status from TikTok for the processor, with the shop's own tokens."""

from __future__ import annotations

from functools import lru_cache

from connector.clients.tiktok import TikTokApiError, TikTokClient, tiktok_client_from_settings
from connector.crypto import TokenCipher, token_cipher
from connector.dal.factory import get_store
from connector.dal.store import Store
from connector.domain.entities import Shop
from connector.tiktok_session import shop_api


class TikTokProductStatusReader:
    def __init__(self, client: TikTokClient, cipher: TokenCipher, store: Store) -> None:
        self._client = client
        self._cipher = cipher
        self._store = store

    def status_of(self, shop: Shop, tiktok_product_id: str) -> tuple[str | None, str | None]:
        api = shop_api(self._client, self._cipher, self._store, shop)
        try:
            product = api.get_product(tiktok_product_id)
        except TikTokApiError as error:
            if error.http_status == 404 or "not exist" in error.message.lower():
                return None, None
            raise
        return product.status, "; ".join(product.audit_failed_reasons) or None


@lru_cache(maxsize=1)
def tiktok_product_status_reader() -> TikTokProductStatusReader:
    return TikTokProductStatusReader(tiktok_client_from_settings(), token_cipher(), get_store())
