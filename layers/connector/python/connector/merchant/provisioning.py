"""Who the caller is, as a shop we serve: provisioned on its first visit, reinstalled on return."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from connector.clients.shopify.errors import ShopifyAuthError
from connector.domain.entities import InstallState, Shop
from connector.domain.plans import new_plan
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
        store.save_shop(shop)
        store.commit_plan(new_plan(domain, now.date()))
        return shop
    reinstalled = replace(
        shop,
        install_state=InstallState.INSTALLED,
        installed_at=now,
        uninstalled_at=None,
        shopify_token_ciphertext=ciphertext,
    )
    store.update_shop(
        domain,
        install_state=InstallState.INSTALLED,
        installed_at=now,
        shopify_token_ciphertext=ciphertext,
    )
    if store.get_plan(domain) is None:  # shop/redact erased it
        store.commit_plan(new_plan(domain, now.date()))
    return reinstalled
