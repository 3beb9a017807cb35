"""The app's Shopify client: token exchange, and per-shop GraphQL clients sharing one HTTP session.

Docs followed (shopify.dev): token exchange at
/docs/apps/build/authentication-authorization/access-tokens/token-exchange; the GraphQL Admin API
calls are ``shop.ShopifyShopClient``'s. Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from connector.clients.shopify.errors import ShopifyAuthError, ShopifyUnavailableError
from connector.clients.shopify.models import OfflineToken
from connector.clients.shopify.shop import ShopifyShopClient
from connector.clients.shopify.transport import AdminHttp, CostBudget, ShopGraphQL
from connector.shop_domains import check_shop

API_VERSION = "2025-10"
# OAuth type names from the token exchange doc, not secrets.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105


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
        payload = response.json()
        scope = payload.get("scope") or ""
        return OfflineToken(
            access_token=payload["access_token"],
            scope=tuple(s for s in scope.split(",") if s),
            expires_in=payload.get("expires_in"),
            refresh_token=payload.get("refresh_token"),
        )

    def for_shop(self, shop: str, access_token: str) -> ShopifyShopClient:
        http = self._http
        with self._budgets_lock:
            budget = self._budgets.setdefault(check_shop(shop), CostBudget(http.clock, http.sleep))
        graphql_url = f"{self.shop_url(shop)}/admin/api/{self.api_version}/graphql.json"
        return ShopifyShopClient(shop, ShopGraphQL(http, graphql_url, access_token, budget))

    def close(self) -> None:
        self._http.close()
