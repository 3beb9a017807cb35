"""Reads a product's status from TikTok for the processor, with the shop's own tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from connector.clients.tiktok import (
    ShopAuth,
    TikTokApiError,
    TikTokClient,
    TokenGrant,
    tiktok_client_from_settings,
)
from connector.crypto import TokenCipher, token_cipher
from connector.dal.factory import get_store
from connector.dal.store import Store
from connector.domain.entities import Shop


class MissingTikTokAuthorizationError(RuntimeError):
    """The shop has no TikTok tokens: it was never connected, or they were erased."""


class TikTokProductStatusReader:
    def __init__(self, client: TikTokClient, cipher: TokenCipher, store: Store) -> None:
        self._client = client
        self._cipher = cipher
        self._store = store

    def status_of(self, shop: Shop, tiktok_product_id: str) -> tuple[str | None, str | None]:
        api = self._client.for_shop(self._auth(shop), on_refresh=lambda grant: self._keep(shop, grant))
        try:
            product = api.get_product(tiktok_product_id)
        except TikTokApiError as error:
            if error.http_status == 404 or "not exist" in error.message.lower():
                return None, None
            raise
        reasons = "; ".join(product.audit_failed_reasons) or None
        return product.status, reasons

    def _auth(self, shop: Shop) -> ShopAuth:
        if not shop.tiktok_access_token_ciphertext or not shop.tiktok_refresh_token_ciphertext:
            raise MissingTikTokAuthorizationError(f"{shop.domain} has no TikTok authorization")
        return ShopAuth(
            access_token=self._cipher.decrypt(shop.tiktok_access_token_ciphertext, shop.domain),
            refresh_token=self._cipher.decrypt(shop.tiktok_refresh_token_ciphertext, shop.domain),
            shop_cipher=shop.tiktok_shop_cipher or "",
        )

    def _keep(self, shop: Shop, grant: TokenGrant) -> None:
        """Store a refreshed grant, so the next call does not refresh again."""
        self._store.update_shop(
            shop.domain,
            tiktok_access_token_ciphertext=self._cipher.encrypt(grant.access_token, shop.domain),
            tiktok_refresh_token_ciphertext=self._cipher.encrypt(grant.refresh_token, shop.domain),
            tiktok_access_token_expires_at=datetime.fromtimestamp(grant.access_token_expire_in, UTC),
        )


@lru_cache(maxsize=1)
def tiktok_product_status_reader() -> TikTokProductStatusReader:
    return TikTokProductStatusReader(tiktok_client_from_settings(), token_cipher(), get_store())
