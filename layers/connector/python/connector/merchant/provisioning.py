"""Who the caller is, as a shop we serve: provisioned on its first visit, reinstalled on return."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from connector.clients.shopify.errors import ShopifyAuthError
from connector.domain.entities import InstallState, Shop
from connector.merchant.billing import plan_from_shopify
from connector.merchant.errors import ForbiddenError
from connector.wiring import Ports


def ensure_shop(ports: Ports, domain: str, session_token: str) -> Shop:
    """The caller's shop. A shop never seen gets the default plan and onboarding at step one, and
    its offline Admin API token by token exchange; an uninstalled one comes back only if the exchange
    succeeds (it keeps whatever shop/redact has not erased)."""
    store = ports.store
    shop = store.get_shop(domain)
    if shop is not None and shop.install_state is InstallState.INSTALLED:
        return shop
    try:
        token = ports.shopify.exchange_token(domain, session_token)
    except ShopifyAuthError:
        if shop is None:
            raise ForbiddenError(
                "Shopify did not grant this app access to the store: reinstall the app"
            ) from None
        raise ForbiddenError(
            "the app was uninstalled from this store and Shopify refused to reconnect it"
        ) from None
    now = datetime.now(UTC)
    ciphertext = ports.cipher.encrypt(token.access_token, domain)
    if shop is None:
        shop = Shop(domain=domain, installed_at=now, shopify_token_ciphertext=ciphertext)
        plan_from_shopify(ports, shop, now)  # first: a failed read leaves no shop without a plan
        store.save_shop(shop)
        return shop
    reinstalled = replace(
        shop,
        install_state=InstallState.INSTALLED,
        installed_at=now,
        uninstalled_at=None,
        shopify_token_ciphertext=ciphertext,
    )
    plan_from_shopify(ports, reinstalled, now)  # before the shop counts as installed again
    store.update_shop(
        domain,
        install_state=InstallState.INSTALLED,
        installed_at=now,
        shopify_token_ciphertext=ciphertext,
    )
    return reinstalled
