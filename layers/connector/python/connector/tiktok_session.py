"""A shop's TikTok API handle, from its stored (encrypted) tokens; refreshed tokens are stored back."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.errors import MissingTikTokAuthorizationError
from connector.clients.tiktok.models import ShopAuth, TokenGrant
from connector.clients.tiktok.shop import ShopClient
from connector.crypto import TokenCipher
from connector.dal.store import Store
from connector.domain.entities import Shop


def shop_api(client: TikTokClient, cipher: TokenCipher, store: Store, shop: Shop) -> ShopClient:
    if not shop.tiktok_access_token_ciphertext or not shop.tiktok_refresh_token_ciphertext:
        raise MissingTikTokAuthorizationError(f"{shop.domain} has no TikTok authorization")
    auth = ShopAuth(
        access_token=cipher.decrypt(shop.tiktok_access_token_ciphertext, shop.domain),
        refresh_token=cipher.decrypt(shop.tiktok_refresh_token_ciphertext, shop.domain),
        shop_cipher=shop.tiktok_shop_cipher or "",
    )

    def keep(grant: TokenGrant) -> None:
        store.update_shop(
            shop.domain,
            tiktok_access_token_ciphertext=cipher.encrypt(grant.access_token, shop.domain),
            tiktok_refresh_token_ciphertext=cipher.encrypt(grant.refresh_token, shop.domain),
            tiktok_access_token_expires_at=datetime.fromtimestamp(grant.access_token_expire_in, UTC),
            tiktok_refresh_token_expires_at=datetime.fromtimestamp(grant.refresh_token_expire_in, UTC),
        )

    return client.for_shop(auth, on_refresh=keep)
