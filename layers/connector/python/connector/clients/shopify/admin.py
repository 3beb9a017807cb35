"""The app's Shopify client: token exchange, and per-shop GraphQL clients sharing one HTTP session.

Docs followed (shopify.dev): token exchange at
/docs/apps/build/authentication-authorization/access-tokens/token-exchange; expiring offline tokens
and their refresh at /docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
and the changelog posts "Offline access tokens now support expiry and refresh" (2025-12-10) and
"More resilient refreshes for expiring offline access tokens" (2026-08-28); the refresh's body and its
``invalid_grant`` refusal as Shopify's own library (shopify-app-js ``refresh-token``) sends and reads
them. The GraphQL Admin API calls are ``shop.ShopifyShopClient``'s. Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

from connector.clients.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyRefreshRefusedError,
    ShopifyUnavailableError,
)
from connector.clients.shopify.models import OfflineToken
from connector.clients.shopify.shop import ShopifyShopClient
from connector.clients.shopify.transport import (
    AccessTokens,
    AdminHttp,
    CostBudget,
    FixedToken,
    ShopGraphQL,
)
from connector.shop_domains import check_shop

API_VERSION = "2025-10"
# OAuth type names from the token exchange doc, not secrets.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
REFRESH_GRANT = "refresh_token"


class ShopifyAdminClient:
    """The app's client: token exchange, and per-shop GraphQL clients sharing one HTTP session."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        admin_base_url: str,
        api_version: str = API_VERSION,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if "{shop}" not in admin_base_url:
            raise ValueError("admin_base_url must contain {shop}")
        self.api_key = api_key
        self._api_secret = api_secret
        self.admin_base_url = admin_base_url.rstrip("/")
        self.api_version = api_version
        self._http = AdminHttp(
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_seconds=backoff_seconds,
            sleep=sleep,
            clock=clock,
        )
        self._budgets: dict[str, CostBudget] = {}
        self._budgets_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        return self._http.session

    def shop_url(self, shop: str) -> str:
        return self.admin_base_url.format(shop=check_shop(shop))

    def exchange_token(self, shop: str, session_token: str, *, expiring: bool = False) -> OfflineToken:
        """Trade an App Bridge session token for the shop's offline access token."""
        body = {
            "client_id": self.api_key,
            "client_secret": self._api_secret,
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
        }
        if expiring:
            body["expiring"] = "1"
        url = f"{self.shop_url(shop)}/admin/oauth/access_token"
        response = self._http.post_once(url, body, "token exchange")
        if response.status_code in (400, 401, 403):
            raise ShopifyAuthError(f"token exchange rejected (HTTP {response.status_code})")
        if response.status_code != 200:
            raise ShopifyUnavailableError(f"token exchange failed (HTTP {response.status_code})")
        return _offline_token(response.json())

    def refresh_token(self, shop: str, refresh_token: str) -> OfflineToken:
        """A new access token and a new refresh token for an expiring offline token's refresh token.
        The refresh token sent stays usable until the new one is used (a lost answer can be
        retried); ShopifyRefreshRefusedError when Shopify will not refresh it any more."""
        body = {
            "client_id": self.api_key,
            "client_secret": self._api_secret,
            "grant_type": REFRESH_GRANT,
            "refresh_token": refresh_token,
        }
        url = f"{self.shop_url(shop)}/admin/oauth/access_token"
        response = self._http.post_once(url, body, "token refresh")
        if response.status_code in (400, 401, 403):
            code = _oauth_error(response)
            detail = f", {code}" if code else ""
            raise ShopifyRefreshRefusedError(
                f"token refresh refused (HTTP {response.status_code}{detail})", code
            )
        if response.status_code != 200:
            raise ShopifyUnavailableError(f"token refresh failed (HTTP {response.status_code})")
        token = _offline_token(response.json())
        if token.refresh_token is None or token.expires_in is None:
            raise ShopifyError("token refresh answered no expiring token")
        return token

    def for_shop(self, shop: str, access_token: str | AccessTokens) -> ShopifyShopClient:
        """The shop's GraphQL client, with one fixed token or a source that renews them."""
        tokens = FixedToken(access_token) if isinstance(access_token, str) else access_token
        http = self._http
        with self._budgets_lock:
            budget = self._budgets.setdefault(check_shop(shop), CostBudget(http.clock, http.sleep))
        graphql_url = f"{self.shop_url(shop)}/admin/api/{self.api_version}/graphql.json"
        return ShopifyShopClient(shop, ShopGraphQL(http, graphql_url, tokens, budget))

    def close(self) -> None:
        self._http.close()


def _offline_token(payload: dict[str, Any]) -> OfflineToken:
    scope = payload.get("scope") or ""
    return OfflineToken(
        access_token=payload["access_token"],
        scope=tuple(s for s in scope.split(",") if s),
        expires_in=payload.get("expires_in"),
        refresh_token=payload.get("refresh_token"),
        refresh_token_expires_in=payload.get("refresh_token_expires_in"),
    )


def _oauth_error(response: requests.Response) -> str:
    """The OAuth ``error`` code of a refusal (``invalid_grant``), or "" (never the description,
    which might echo what was sent)."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    code = payload.get("error") if isinstance(payload, dict) else None
    return code if isinstance(code, str) and code.isidentifier() else ""
