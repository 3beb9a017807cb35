"""The TikTok sandbox's shops and who may call for them: auth codes, access and refresh tokens, the
auth host's token endpoints, the fault knobs that refuse calls, and the lock, clock and ids that
every part of one sandbox shares.
"""

from __future__ import annotations

import base64
import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

from local.sandboxes.tiktok_codes import (
    ACCESS_TOKEN_TTL,
    AUTH_CODE_TTL,
    AUTH_INVALID_CODE,
    AUTH_INVALID_CREDENTIALS,
    BAD_REQUEST,
    CIPHER_MISMATCH,
    EXPIRED_TOKEN,
    INTERNAL_ERROR,
    MISSING_CIPHER,
    RATE_LIMITED,
    REFRESH_TOKEN_TTL,
    ApiFailure,
    JsonObject,
)


class Shared:
    """What every part of one sandbox shares: its lock, its clock and its id sequence."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._ids = itertools.count(1729592969712207008)  # above 2**53, as TikTok's ids are

    def new_id(self) -> str:
        return str(next(self._ids))

    def touch(self, record: JsonObject) -> None:
        # Strictly increasing update_time, so consumers can order the events of one record.
        record["update_time"] = max(int(self.clock()), record["update_time"] + 1)


@dataclass
class SandboxShop:
    shop_id: str
    cipher: str
    name: str
    region: str
    code: str
    seller_name: str
    open_id: str
    # The seller's KYC is not complete: audits end PRE_APPROVED with KYC_PENDING (webhook 37) and the
    # product stays PENDING until it is cleared.
    kyc_pending: bool = False
    # Off: the markets where an order's line items carry no package_id until the seller ships them
    # with Mark Package As Shipped; on: an order gets its package when it is created.
    packages_before_shipping: bool = True
    # Update Shop Webhook's registrations: event_type -> {address, create_time, update_time}.
    webhooks: dict[str, JsonObject] = field(default_factory=dict)


@dataclass(frozen=True)
class SandboxGrant:
    """What the token endpoints answer, plus the shop it is for."""

    access_token: str = field(repr=False)
    access_token_expire_in: int
    refresh_token: str = field(repr=False)
    refresh_token_expire_in: int
    shop_id: str
    shop_cipher: str


@dataclass
class _Token:
    shop_id: str
    expires_at: float


@dataclass
class Faults:
    """Fault knobs; shares are in [0, 1] and drawn from a seeded generator."""

    rate_limit_share: float = 0.0
    # TikTok's per-app request limit (code 36009002 beyond it); None: no limit. Partners report 50/s.
    rate_limit_per_second: float | None = None
    server_error_share: float = 0.0
    # Answer 36009003 "Internal error. Please try again." (HTTP 200, as an envelope) for this share.
    internal_error_share: float = 0.0
    drop_webhooks: int = 0  # the next N webhooks are not sent
    webhook_secret: str | None = None  # sign webhooks with this (wrong) secret instead
    response_delay_seconds: float = 0.0  # answer this late, after the call was processed
    # Endpoints (by the reference's title) answered 105005, as for a token without their scope.
    denied_endpoints: list[str] = field(default_factory=list)


class Admission:
    """Lets a signed call through, or refuses it as the fault knobs say (call under the lock)."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.faults = faults
        self._random = random.Random(seed)
        self.admitted = 0  # signed calls within the rate limit
        self.rate_limited = 0  # signed calls answered 429 for the rate limit
        self._tokens, self._tokens_at = 0.0, time.monotonic()

    def admit(self) -> None:
        if not self._within_rate_limit():
            self.rate_limited += 1
            raise ApiFailure(RATE_LIMITED, "Too many requests", HTTPStatus.TOO_MANY_REQUESTS)
        self.admitted += 1
        draw = self._random.random()
        if draw < self.faults.rate_limit_share:
            raise ApiFailure(RATE_LIMITED, "Too many requests", HTTPStatus.TOO_MANY_REQUESTS)
        draw -= self.faults.rate_limit_share
        if draw < self.faults.server_error_share:
            raise ApiFailure(INTERNAL_ERROR, "Internal error", HTTPStatus.INTERNAL_SERVER_ERROR)
        if draw - self.faults.server_error_share < self.faults.internal_error_share:
            raise ApiFailure(INTERNAL_ERROR, "Internal error. Please try again.")

    def _within_rate_limit(self) -> bool:
        """A token bucket of one second's calls, refilled continuously."""
        limit = self.faults.rate_limit_per_second
        if limit is None:
            return True
        now = time.monotonic()
        self._tokens = min(limit, self._tokens + (now - self._tokens_at) * limit)
        self._tokens_at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class Accounts:
    """The shops, the credentials that open them, and the auth host that hands those out."""

    def __init__(self, shared: Shared, app_key: str, app_secret: str, calls: dict[str, int]) -> None:
        self._shared = shared
        self._app_key = app_key
        self._app_secret = app_secret
        self._calls = calls
        self.shops: dict[str, SandboxShop] = {}
        self._access_tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, _Token] = {}
        self._auth_codes: dict[str, _Token] = {}
        self.default_shop = self.add_shop(name="Sandbox Shop", region="US")

    def shop(self, shop_id: str | None) -> SandboxShop:
        """The shop of that id; the default shop for None."""
        return self.shops[shop_id or self.default_shop.shop_id]

    def add_shop(
        self,
        shop_id: str | None = None,
        name: str = "Sandbox Shop",
        region: str = "US",
        kyc_pending: bool = False,
        packages_before_shipping: bool = True,
        seller_of: str | None = None,
    ) -> SandboxShop:
        """A shop; ``seller_of`` names a shop whose seller also owns this one (one authorization
        then covers both, and Get Authorized Shops lists both)."""
        with self._shared.lock:
            # Unique across sandbox instances, as TikTok's shop ids are across its sellers: one
            # Shopify shop per TikTok shop is enforced, so a reused id would meet its old holder.
            shop_id = shop_id or str(7_000_000_000_000_000_000 + uuid.uuid4().int % 10**18)
            owner = self.shops[seller_of] if seller_of else None
            shop = SandboxShop(
                shop_id=shop_id,
                cipher=f"ROW_{base64.urlsafe_b64encode(shop_id.encode()).decode().rstrip('=')}",
                name=name,
                region=region,
                code=f"{region}LC{shop_id[-6:]}",
                seller_name=owner.seller_name if owner else f"{name} seller",
                open_id=owner.open_id if owner else uuid.uuid5(uuid.NAMESPACE_URL, shop_id).hex,
                kyc_pending=kyc_pending,
                packages_before_shipping=packages_before_shipping,
            )
            self.shops[shop_id] = shop
            return shop

    def authorize(self, shop_id: str | None = None) -> str:
        """An auth code for the shop, as the authorize page hands out."""
        with self._shared.lock:
            shop = self.shop(shop_id)
            code = f"TTP_code_{uuid.uuid4().hex}"
            self._auth_codes[code] = _Token(shop.shop_id, self._shared.clock() + AUTH_CODE_TTL)
            return code

    def issue_token(self, shop_id: str | None = None, access_ttl: float = ACCESS_TOKEN_TTL) -> SandboxGrant:
        """A valid grant for the shop, without the browser dance."""
        with self._shared.lock:
            shop = self.shop(shop_id)
            refresh = f"TTP_refresh_{uuid.uuid4().hex}"
            self._refresh_tokens[refresh] = _Token(shop.shop_id, self._shared.clock() + REFRESH_TOKEN_TTL)
            return self._grant_access(shop, refresh, access_ttl)

    def _grant_access(self, shop: SandboxShop, refresh: str, access_ttl: float) -> SandboxGrant:
        access = f"TTP_access_{uuid.uuid4().hex}"
        self._access_tokens[access] = _Token(shop.shop_id, self._shared.clock() + access_ttl)
        return SandboxGrant(
            access_token=access,
            access_token_expire_in=int(self._access_tokens[access].expires_at),
            refresh_token=refresh,
            refresh_token_expire_in=int(self._refresh_tokens[refresh].expires_at),
            shop_id=shop.shop_id,
            shop_cipher=shop.cipher,
        )

    def deauthorize(self, shop_id: str) -> None:
        """The seller removes the app: every token of the shop's seller stops working at once."""
        with self._shared.lock:
            seller = self.shops[shop_id].open_id
            for tokens in (self._access_tokens, self._refresh_tokens):
                for value, token in list(tokens.items()):
                    if self.shops[token.shop_id].open_id == seller:
                        del tokens[value]

    def seller_shops(self, shop: SandboxShop) -> list[SandboxShop]:
        """The shops one authorization of ``shop``'s seller covers."""
        return [other for other in self.shops.values() if other.open_id == shop.open_id]

    def expire_token(self, access_token: str) -> None:
        with self._shared.lock:
            self._access_tokens[access_token].expires_at = self._shared.clock() - 1

    def check_token(self, access_token: str) -> SandboxShop:
        token = self._access_tokens.get(access_token)
        if token is None:
            raise ApiFailure(BAD_REQUEST, "Invalid access token")
        if token.expires_at <= self._shared.clock():
            raise ApiFailure(EXPIRED_TOKEN, "Expired access token")
        return self.shops[token.shop_id]

    def check_cipher(self, shop: SandboxShop, cipher: str | None) -> SandboxShop:
        """The shop the cipher names, among those the token's seller authorized."""
        if not cipher:
            raise ApiFailure(MISSING_CIPHER, "shop_cipher is required")
        named = next((other for other in self.seller_shops(shop) if other.cipher == cipher), None)
        if named is None:
            raise ApiFailure(CIPHER_MISMATCH, "Access token and shop_cipher do not match")
        return named

    # --- the auth host ---

    def handle_token(self, path: str, query: dict[str, str]) -> JsonObject:
        if query.get("app_key") != self._app_key or query.get("app_secret") != self._app_secret:
            raise ApiFailure(AUTH_INVALID_CREDENTIALS, "Invalid app_key or app_secret")
        with self._shared.lock:
            if path.endswith("/get"):
                if query.get("grant_type") != "authorized_code":
                    raise ApiFailure(AUTH_INVALID_CODE, "grant_type must be authorized_code")
                code = self._auth_codes.pop(query.get("auth_code", ""), None)  # single use
                if code is None or code.expires_at <= self._shared.clock():
                    raise ApiFailure(AUTH_INVALID_CODE, "Invalid or expired auth_code")
                self._calls["token/get"] = self._calls.get("token/get", 0) + 1
                grant = self.issue_token(code.shop_id)
            else:
                refresh = self._refresh_tokens.get(query.get("refresh_token", ""))
                if query.get("grant_type") != "refresh_token" or refresh is None:
                    raise ApiFailure(AUTH_INVALID_CODE, "Invalid refresh_token")
                if refresh.expires_at <= self._shared.clock():
                    raise ApiFailure(AUTH_INVALID_CODE, "Expired refresh_token")
                self._calls["token/refresh"] = self._calls.get("token/refresh", 0) + 1
                grant = self._grant_access(
                    self.shops[refresh.shop_id], query["refresh_token"], ACCESS_TOKEN_TTL
                )
            shop = self.shops[grant.shop_id]
            return {
                "access_token": grant.access_token,
                "access_token_expire_in": grant.access_token_expire_in,
                "refresh_token": grant.refresh_token,
                "refresh_token_expire_in": grant.refresh_token_expire_in,
                "open_id": shop.open_id,
                "seller_name": shop.seller_name,
                "seller_base_region": shop.region,
                "user_type": 0,
                "granted_scopes": ["seller.product.basic", "seller.order.info", "seller.fulfillment.basic"],
            }


def authorized_shops(accounts: Accounts) -> Callable[[SandboxShop, dict[str, str], JsonObject], JsonObject]:
    def api_shops(shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        """Get Authorized Shops: every shop the access token's seller authorized."""
        return {
            "shops": [
                {
                    "id": each.shop_id,
                    "name": each.name,
                    "region": each.region,
                    "cipher": each.cipher,
                    "code": each.code,
                    "seller_type": "LOCAL",
                }
                for each in accounts.seller_shops(shop)
            ]
        }

    return api_shops
