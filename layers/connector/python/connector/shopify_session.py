"""A shop's Shopify Admin API access token, kept fresh: the Shopify twin of ``tiktok_session``.

Expiring offline tokens live an hour; their refresh answers a new access token and a new refresh
token, and the one sent stays usable until the new one is used (shopify.dev: "About offline access
tokens"; changelog "Offline access tokens now support expiry and refresh", 2025-12-10, and "More
resilient refreshes for expiring offline access tokens", 2026-08-28: refresh a few minutes before
expiry and after a 401, store every refreshed pair atomically).

One refresh at a time per shop, over every Lambda instance: a short lease on the shop's profile
(a conditional write) lets one instance call Shopify; the others wait a little and read the profile
again for the new token. The pair is written in one update, and only over the token it replaces.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from connector.clients.shopify.errors import ShopifyRefreshRefusedError, ShopifyUnavailableError
from connector.domain.entities import Shop
from connector.observability import logger
from connector.values import replace
from connector.wiring import Ports, ShopGoneError

if TYPE_CHECKING:  # an annotation only: every dashboard request loads this module
    from connector.clients.shopify.models import OfflineToken

# Refresh this long before expiry ("a few minutes", per the changelog), but never earlier than the
# last quarter of a token's life, so that short-lived tokens are not refreshed on every call.
REFRESH_AHEAD = timedelta(minutes=5)
REFRESH_AHEAD_SHARE = 0.25
LEASE_SECONDS = 30.0  # longer than a refresh takes; a holder that died frees the shop after it
WAIT_SECONDS = 0.1  # between two reads of the profile while another instance refreshes
WAIT_READS = 50  # then the job goes back to the queue


class ShopifyReauthorizationError(RuntimeError):
    """The shop's Shopify token can no longer be refreshed (refused, expired, or a legacy token
    without a refresh token that Shopify refused): the merchant's next dashboard visit exchanges a
    new one. Work for the shop fails with this until then, and goes back to its queue."""


class ShopifyRefreshBusyError(RuntimeError):
    """Another instance is refreshing the shop's token and did not finish in time: the work goes
    back to its queue and finds the new token when it runs again."""


def refresh_due(shop: Shop, now: datetime) -> bool:
    """Whether the shop's access token is to be refreshed before it is sent: a legacy non-expiring
    token never is; an expiring one within its refresh margin of expiry (or past it) is."""
    expires = shop.shopify_token_expires_at
    if expires is None:
        return False
    lifetime = expires - (shop.shopify_token_issued_at or expires - timedelta(hours=1))
    return now >= expires - min(REFRESH_AHEAD, lifetime * REFRESH_AHEAD_SHARE)


def needs_exchange(shop: Shop) -> bool:
    """Whether the merchant's next visit must exchange their session token for a new offline token:
    the stored one cannot be refreshed (refused), or is a legacy non-expiring one."""
    if shop.shopify_token_ciphertext is None:
        return False  # never installed through token exchange: nothing to renew
    return shop.shopify_token_refresh_refused_at is not None or shop.shopify_refresh_token_ciphertext is None


def token_fields(ports: Ports, domain: str, token: OfflineToken, now: datetime) -> dict[str, Any]:
    """The profile fields of a token pair from an exchange or a refresh, encrypted for the shop,
    with the refusal of an earlier refresh token cleared."""
    refresh = token.refresh_token
    cipher = ports.cipher
    return {
        "shopify_token_ciphertext": cipher.encrypt(token.access_token, domain),
        "shopify_refresh_token_ciphertext": None if refresh is None else cipher.encrypt(refresh, domain),
        "shopify_token_issued_at": now,
        "shopify_token_expires_at": _after(now, token.expires_in),
        "shopify_refresh_token_expires_at": _after(now, token.refresh_token_expires_in),
        "shopify_token_refresh_refused_at": None,
    }


def _after(now: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else now + timedelta(seconds=seconds)


class ShopifyTokenKeeper:
    """The ``AccessTokens`` of one shop for the Shopify client: its stored token, refreshed ahead of
    expiry and once after a 401, one refresh at a time per shop."""

    def __init__(self, ports: Ports, shop: Shop) -> None:
        if shop.shopify_token_ciphertext is None:
            raise ShopGoneError(f"{shop.domain} has no Shopify token")
        self._ports = ports
        self._shop = shop

    def __repr__(self) -> str:
        return f"ShopifyTokenKeeper(shop={self._shop.domain!r})"

    def current(self) -> str:
        self._refuse_if_refused(self._shop)
        if refresh_due(self._shop, self._ports.now()):
            self._shop = self._renewed(self._shop)
        return self._access_token(self._shop)

    def rejected(self, token: str) -> str:
        latest = self._latest()
        if self._access_token(latest) != token:  # another instance stored a new one meanwhile
            self._shop = latest
            return self.current()
        if latest.shopify_refresh_token_ciphertext is None:  # a legacy token Shopify now refuses
            self._ports.store.end_shopify_refresh(
                latest.domain, latest.shopify_token_ciphertext or "", refused_at=self._ports.now()
            )
            raise ShopifyReauthorizationError(
                f"{latest.domain}: Shopify refused the stored non-expiring token; the merchant's next "
                "visit to the app renews it"
            )
        self._shop = self._renewed(latest)
        return self._access_token(self._shop)

    # --- one refresh per shop ---------------------------------------------------------------------
    def _renewed(self, seen: Shop) -> Shop:
        """The profile with a token newer than ``seen``'s: refreshed here under the lease, or by the
        instance that holds it."""
        store, shop = self._ports.store, seen
        for _ in range(WAIT_READS):
            self._refuse_if_refused(shop)
            ciphertext, now = shop.shopify_token_ciphertext or "", self._ports.now().timestamp()
            if store.lease_shopify_refresh(shop.domain, ciphertext, now, LEASE_SECONDS):
                return self._refresh(shop)
            latest = self._latest()
            if latest.shopify_token_ciphertext != ciphertext:
                return latest  # refreshed by the lease holder
            self._ports.sleep(WAIT_SECONDS)
            shop = latest
        raise ShopifyRefreshBusyError(f"{seen.domain}: the Shopify token is being refreshed elsewhere")

    def _refresh(self, shop: Shop) -> Shop:
        """Call Shopify's refresh as the lease holder and store the new pair over the old one."""
        ports, domain = self._ports, shop.domain
        replacing = shop.shopify_token_ciphertext or ""
        now = ports.now()
        refresh_expires = shop.shopify_refresh_token_expires_at
        expired = refresh_expires is not None and refresh_expires <= now
        try:
            if expired or shop.shopify_refresh_token_ciphertext is None:
                raise ShopifyRefreshRefusedError("the refresh token expired")
            refresh_token = ports.cipher.decrypt(shop.shopify_refresh_token_ciphertext, domain)
            token = ports.shopify.refresh_token(domain, refresh_token)
        except ShopifyRefreshRefusedError as refused:
            ports.store.end_shopify_refresh(domain, replacing, refused_at=now)
            logger.warning("shopify token refresh refused", shop=domain, code=refused.code or None)
            raise ShopifyReauthorizationError(
                f"{domain}: Shopify refused to refresh the access token ({refused}); the merchant's "
                "next visit to the app renews it"
            ) from None
        except ShopifyUnavailableError:
            ports.store.end_shopify_refresh(domain, replacing, refused_at=None)
            raise
        fields = token_fields(ports, domain, token, ports.now())
        if not ports.store.keep_shopify_tokens(domain, replacing, **fields):
            return self._latest()  # our lease ran out and another instance stored its pair
        return replace(shop, **fields)

    def _latest(self) -> Shop:
        latest = self._ports.store.get_shop(self._shop.domain)
        if latest is None or latest.shopify_token_ciphertext is None:
            raise ShopGoneError(f"{self._shop.domain} has no Shopify token")
        return latest

    def _refuse_if_refused(self, shop: Shop) -> None:
        if shop.shopify_token_refresh_refused_at is not None:
            raise ShopifyReauthorizationError(
                f"{shop.domain}: Shopify refused to refresh the access token; the merchant's next "
                "visit to the app renews it"
            )

    def _access_token(self, shop: Shop) -> str:
        return self._ports.cipher.decrypt(shop.shopify_token_ciphertext or "", shop.domain)
