"""The app's TikTok Shop client: its credentials, the access tokens, and signed calls to the API host.

``TikTokClient`` speaks to both hosts: the auth host for tokens, the API host for everything else.
``client.for_shop(ShopAuth(...), on_refresh=...)`` gives a per-shop handle (``shop.ShopClient``) whose
calls refresh an expired access token once (code 105002), hand the new grant to ``on_refresh`` so
that the caller can persist it, and retry the call.

Doc pages followed (partner.tiktokshop.com/docv2): "Sign your API request", "Authorization guide
202309", "Common errors", and each endpoint's 202309 API reference named beside its method.
Nothing here logs a token, a secret, or a buyer's data.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from connector.clients.tiktok import parsing
from connector.clients.tiktok.models import JsonObject, ShopAuth, TokenGrant
from connector.clients.tiktok.shop import ShopClient
from connector.clients.tiktok.transport import FormPart, Request, Transport

GRANT_PATH = "/api/v2/token/get"
REFRESH_PATH = "/api/v2/token/refresh"


class TikTokClient:
    """The app's TikTok Shop client. Thread-safe for calls; one Session reused across calls."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        api_base_url: str,
        auth_base_url: str,
        *,
        timeout: float | tuple[float, float] = (3.05, 10.0),
        max_attempts: int = 4,
        backoff_base: float = 0.25,
        backoff_cap: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = Transport(
            app_key, app_secret, timeout, max_attempts, backoff_base, backoff_cap, sleep, rng, clock
        )
        self.app_key = app_key
        self._app_secret = app_secret
        self.api_base_url = api_base_url.rstrip("/")
        self.auth_base_url = auth_base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"TikTokClient(app_key={self.app_key!r}, api_base_url={self.api_base_url!r})"

    @property
    def session(self) -> requests.Session:
        return self._transport.session

    def close(self) -> None:
        self._transport.close()

    def for_shop(self, auth: ShopAuth, on_refresh: Callable[[TokenGrant], None] | None = None) -> ShopClient:
        return ShopClient(self, auth, on_refresh)

    # Authorization guide 202309, steps 2 and 3: GET on the auth host, credentials in the query.
    def get_access_token(self, auth_code: str) -> TokenGrant:
        return self._token(GRANT_PATH, auth_code=auth_code, grant_type="authorized_code")

    def refresh_access_token(self, refresh_token: str) -> TokenGrant:
        return self._token(REFRESH_PATH, refresh_token=refresh_token, grant_type="refresh_token")

    def _token(self, path: str, **params: str) -> TokenGrant:
        query = {"app_key": self.app_key, "app_secret": self._app_secret, **params}
        request = Request("GET", self.auth_base_url, path, query, None, None, False, False)
        return parsing.grant(self._transport.call(request))

    def api_request(
        self,
        method: str,
        path: str,
        *,
        access_token: str,
        shop_cipher: str | None = None,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        form: Mapping[str, FormPart] | None = None,
        idempotent: bool,
    ) -> JsonObject:
        """One signed call to the API host; returns the envelope's ``data``. ``form`` sends a
        multipart/form-data body instead of the JSON ``body``."""
        params = {key: str(value) for key, value in (query or {}).items()}
        if shop_cipher is not None:
            params["shop_cipher"] = shop_cipher
        # Serialized once: these exact bytes are signed and sent.
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        request = Request(method, self.api_base_url, path, params, raw, access_token, idempotent, form=form)
        return self._transport.call(request)
