"""What the jobs need from outside: the store, the partner clients, the jobs queue, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from connector.clients.shopify.admin import ShopifyAdminClient
from connector.clients.shopify.shop import ShopifyShopClient
from connector.clients.tiktok.auth import TikTokClient
from connector.clients.tiktok.shop import ShopClient
from connector.crypto import TokenCipher
from connector.dal.store import Store
from connector.domain.entities import InstallState, Shop
from connector.jobs import Job
from connector.tiktok_session import shop_api


class ShopGoneError(RuntimeError):
    """The shop was uninstalled or erased since the job was queued."""


@dataclass(frozen=True)
class WorkPorts:
    store: Store
    shopify: ShopifyAdminClient
    tiktok: TikTokClient
    cipher: TokenCipher
    enqueue_job: Callable[[Job], None]
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def shop(self, domain: str) -> Shop:
        shop = self.store.get_shop(domain)
        if shop is None or shop.install_state is InstallState.UNINSTALLED:
            raise ShopGoneError(f"{domain} is not installed")
        return shop

    def shopify_admin(self, shop: Shop) -> ShopifyShopClient:
        if shop.shopify_token_ciphertext is None:
            raise ShopGoneError(f"{shop.domain} has no Shopify token")
        return self.shopify.for_shop(
            shop.domain, self.cipher.decrypt(shop.shopify_token_ciphertext, shop.domain)
        )

    def tiktok_api(self, shop: Shop) -> ShopClient:
        return shop_api(self.tiktok, self.cipher, self.store, shop)
