"""Who the caller is, as a shop we serve: provisioned on its first visit, reinstalled on return."""

from __future__ import annotations

from typing import Any

from connector.clients.shopify.errors import ShopifyAuthError, ShopifyUnavailableError
from connector.domain.entities import InstallState, Shop
from connector.shopify_session import needs_exchange, token_fields
from connector.values import replace
from connector.wiring import Ports


def ensure_shop(ports: Ports, domain: str, session_token: str) -> Shop:
    """The caller's shop. A shop never seen gets the default plan and onboarding at step one, and
    its expiring offline Admin API token by token exchange; an uninstalled one comes back only if the
    exchange succeeds (it keeps whatever shop/redact has not erased). An installed shop whose stored
    token cannot be refreshed (refused, or a legacy non-expiring one) exchanges again."""
    store = ports.store
    shop = store.get_shop(domain)
    installed = shop is not None and shop.install_state is InstallState.INSTALLED
    if shop is not None and installed and not needs_exchange(shop):
        return shop
    # Past here, a first visit, a return or a token to exchange: rare, with its own code.
    from connector.merchant.billing import plan_from_shopify
    from connector.merchant.errors import ForbiddenError

    try:
        # Expiring: public apps must use them (shopify.dev "About offline access tokens").
        token = ports.shopify.exchange_token(domain, session_token, expiring=True)
    except ShopifyAuthError:
        if shop is None:
            raise ForbiddenError(
                "Shopify did not grant this app access to the store: reinstall the app"
            ) from None
        if installed:
            raise ForbiddenError("Shopify refused to renew this app's access to the store") from None
        raise ForbiddenError(
            "the app was uninstalled from this store and Shopify refused to reconnect it"
        ) from None
    except ShopifyUnavailableError:
        if shop is not None and installed and shop.shopify_token_refresh_refused_at is None:
            return shop  # a legacy token still serves: the next visit tries again
        raise
    now = ports.now()
    tokens = token_fields(ports, domain, token, now)
    if shop is None:
        shop = Shop(domain=domain, installed_at=now, **tokens)
        shop = replace(shop, **_shop_facts(ports, shop))
        plan_from_shopify(ports, shop, now)  # first: a failed read leaves no shop without a plan
        store.save_shop(shop)
        return shop
    if installed:  # the same installation, with a token that can be refreshed again
        renewed = {
            **tokens,
            **(_shop_facts(ports, replace(shop, **tokens)) if not shop.iana_timezone else {}),
        }
        store.update_shop(domain, **renewed)
        return replace(shop, **renewed)
    reinstalled = replace(
        shop, install_state=InstallState.INSTALLED, installed_at=now, uninstalled_at=None, **tokens
    )
    facts = _shop_facts(ports, reinstalled)
    reinstalled = replace(reinstalled, **facts)
    plan_from_shopify(ports, reinstalled, now)  # before the shop counts as installed again
    store.update_shop(domain, install_state=InstallState.INSTALLED, installed_at=now, **tokens, **facts)
    return reinstalled


def _shop_facts(ports: Ports, shop: Shop) -> dict[str, Any]:
    """The shop's time zone and currency, as Shopify says them: the days and money of its sales."""
    facts = ports.shopify_admin(shop).shop_facts()
    return {"iana_timezone": facts.iana_timezone, "currency": facts.currency}
