"""TikTok Shop Partner API client (202309 versions), built on one ``requests.Session`` per client.

``TikTokClient`` holds the app credentials and speaks to both hosts: the auth host for tokens, the API
host for everything else. ``client.for_shop(ShopAuth(...), on_refresh=...)`` gives a per-shop handle
whose calls refresh an expired access token once (code 105002), hand the new grant to ``on_refresh``
so that the caller can persist it, and retry the call.

Retries are bounded, with exponential backoff and full jitter. A call that is not idempotent (create
product, cancel order, ship package, token get/refresh) is repeated only when TikTok certainly did not
process it: HTTP 429, the rate-limit code 36009002, or a connection that failed before anything was
sent. Reads also retry on 5xx, timeouts and dropped connections.

Doc pages followed (partner.tiktokshop.com/docv2): "Sign your API request", "Authorization guide
202309", "Common errors", and each endpoint's 202309 API reference named beside its method.
Nothing here logs a token, a secret, or a buyer's data.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from connector.clients.tiktok_signing import request_signature

logger = logging.getLogger(__name__)

# Common error codes ("Common errors" page).
CODE_OK = 0
CODE_TOKEN_EXPIRED = 105002
CODE_RATE_LIMITED = 36009002

GRANT_PATH = "/api/v2/token/get"
REFRESH_PATH = "/api/v2/token/refresh"

JsonObject = dict[str, Any]


# --- errors -----------------------------------------------------------------------------------------


class TikTokError(Exception):
    """Any failure talking to TikTok Shop."""


class TikTokApiError(TikTokError):
    """TikTok answered with a non-zero ``code`` (or an HTTP error without a usable envelope)."""

    def __init__(self, code: int, message: str, request_id: str = "", http_status: int = 200) -> None:
        super().__init__(f"TikTok API error {code}: {message} (request_id={request_id or '-'})")
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status

    @property
    def refusal(self) -> bool:
        """TikTok considered the request and said no (not a rate limit, outage or expired token):
        trying again unchanged would get the same answer."""
        busy = self.http_status == 429 or self.http_status >= 500 or self.code == CODE_RATE_LIMITED
        return not busy and self.code != CODE_TOKEN_EXPIRED


class TikTokTokenExpiredError(TikTokApiError):
    """Code 105002: the access token has expired; refresh it."""


class TikTokTransportError(TikTokError):
    """No answer: the connection failed or timed out, or the answer was not a TikTok envelope.

    ``maybe_processed`` is False only when the request certainly never reached TikTok.
    """

    def __init__(self, message: str, *, maybe_processed: bool) -> None:
        super().__init__(message)
        self.maybe_processed = maybe_processed


# --- models -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenGrant:
    """Tokens from Get/Refresh Access Token; the ``*_expire_in`` fields are Unix timestamps."""

    access_token: str = field(repr=False)
    access_token_expire_in: int
    refresh_token: str = field(repr=False)
    refresh_token_expire_in: int
    open_id: str
    seller_name: str
    seller_base_region: str
    user_type: int


@dataclass(frozen=True)
class ShopAuth:
    """What a per-shop handle needs: the seller's tokens and the shop's cipher."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    shop_cipher: str = ""


@dataclass(frozen=True)
class AuthorizedShop:
    shop_id: str
    name: str
    region: str
    cipher: str
    code: str
    seller_type: str


@dataclass(frozen=True)
class InventoryLevel:
    sku_id: str
    quantity: int
    warehouse_id: str = ""


@dataclass(frozen=True)
class TikTokSku:
    sku_id: str
    seller_sku: str
    price: str = ""  # the tax-exclusive price TikTok holds, as a decimal string
    currency: str = ""
    inventory: tuple[InventoryLevel, ...] = ()


@dataclass(frozen=True)
class TikTokProduct:
    product_id: str
    status: str
    title: str
    audit_failed_reasons: tuple[str, ...]
    create_time: int
    update_time: int
    skus: tuple[TikTokSku, ...] = ()
    description: str = ""
    main_image_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductEdit:
    """A Partial Edit Product body: only the fields given are changed. ``skus``, when given, must
    list every SKU of the product (TikTok deletes the ones left out)."""

    title: str | None = None
    description: str | None = None
    main_image_uris: tuple[str, ...] | None = None
    skus: tuple[TikTokSku, ...] | None = None

    def to_body(self) -> JsonObject:
        body: JsonObject = {}
        if self.title is not None:
            body["title"] = self.title
        if self.description is not None:
            body["description"] = self.description
        if self.main_image_uris is not None:
            body["main_images"] = [{"uri": uri} for uri in self.main_image_uris]
        if self.skus is not None:
            body["skus"] = [
                {
                    "id": sku.sku_id,
                    "seller_sku": sku.seller_sku,
                    "price": {"amount": sku.price, "currency": sku.currency},
                    "inventory": [_inventory_body(level) for level in sku.inventory],
                }
                for sku in self.skus
            ]
        return body


@dataclass(frozen=True)
class SkuPrice:
    sku_id: str
    amount: str
    currency: str


@dataclass(frozen=True)
class ShippingProvider:
    provider_id: str
    name: str


@dataclass(frozen=True)
class CreatedProduct:
    product_id: str
    skus: tuple[TikTokSku, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class ProductPage:
    products: tuple[TikTokProduct, ...]
    next_page_token: str
    total_count: int


@dataclass(frozen=True)
class NewSku:
    seller_sku: str
    price: str  # decimal string, as TikTok takes it
    currency: str
    quantity: int
    warehouse_id: str = ""


@dataclass(frozen=True)
class NewProduct:
    """The Create Product body we send (a subset of the 202309 fields)."""

    title: str
    description: str
    category_id: str
    main_image_uris: tuple[str, ...]
    skus: tuple[NewSku, ...]
    package_weight_value: str
    package_weight_unit: str = "KILOGRAM"
    brand_id: str = ""
    external_product_id: str = ""
    idempotency_key: str = ""

    def to_body(self) -> JsonObject:
        body: JsonObject = {
            "title": self.title,
            "description": self.description,
            "category_id": self.category_id,
            "main_images": [{"uri": uri} for uri in self.main_image_uris],
            "skus": [_sku_body(sku) for sku in self.skus],
            "package_weight": {"value": self.package_weight_value, "unit": self.package_weight_unit},
        }
        optional = {
            "brand_id": self.brand_id,
            "external_product_id": self.external_product_id,
            "idempotency_key": self.idempotency_key,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body


@dataclass(frozen=True)
class ProductActionFailure:
    """One product that Activate/Deactivate Products could not change."""

    product_id: str
    code: int
    message: str


@dataclass(frozen=True)
class TikTokLineItem:
    line_item_id: str
    product_id: str
    sku_id: str
    seller_sku: str
    sale_price: str
    package_id: str


@dataclass(frozen=True)
class TikTokOrder:
    order_id: str
    status: str
    create_time: int
    update_time: int
    is_on_hold_order: bool = False
    currency: str = ""
    total_amount: str = ""
    cancellation_initiator: str = ""
    line_items: tuple[TikTokLineItem, ...] = ()
    package_ids: tuple[str, ...] = ()
    shipping_type: str = ""  # TIKTOK (TikTok's label) or SELLER (the seller ships)
    delivery_option_id: str = ""


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[TikTokOrder, ...]
    next_page_token: str
    total_count: int


@dataclass(frozen=True)
class Cancellation:
    cancel_id: str
    cancel_status: str


# --- parsing (TikTok sends some ids as JSON numbers above 2**53: json keeps them exact; str them) ---


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    return int(value) if value not in (None, "") else 0


def _sku_body(sku: NewSku) -> JsonObject:
    inventory = _inventory_body(InventoryLevel("", sku.quantity, sku.warehouse_id))
    return {
        "seller_sku": sku.seller_sku,
        "price": {"amount": sku.price, "currency": sku.currency},
        "inventory": [inventory],
    }


def _inventory_body(level: InventoryLevel) -> JsonObject:
    inventory: JsonObject = {"quantity": level.quantity}
    if level.warehouse_id:
        inventory["warehouse_id"] = level.warehouse_id
    return inventory


def _skus(items: Any) -> tuple[TikTokSku, ...]:
    skus = []
    for sku in items or ():
        price = sku.get("price") or {}
        sku_id = _str(sku.get("id"))
        levels = tuple(
            InventoryLevel(sku_id, _int(level.get("quantity")), _str(level.get("warehouse_id")))
            for level in sku.get("inventory") or ()
        )
        amount = price.get("tax_exclusive_price") or price.get("sale_price")
        skus.append(
            TikTokSku(sku_id, _str(sku.get("seller_sku")), _str(amount), _str(price.get("currency")), levels)
        )
    return tuple(skus)


def _product(data: Mapping[str, Any]) -> TikTokProduct:
    reasons = tuple(
        _str(reason)
        for failure in data.get("audit_failed_reasons") or ()
        for reason in failure.get("reasons") or ()
    )
    return TikTokProduct(
        product_id=_str(data.get("id")),
        status=_str(data.get("status")),
        title=_str(data.get("title")),
        audit_failed_reasons=reasons,
        create_time=_int(data.get("create_time")),
        update_time=_int(data.get("update_time")),
        skus=_skus(data.get("skus")),
        description=_str(data.get("description")),
        main_image_uris=tuple(_str(image.get("uri")) for image in data.get("main_images") or ()),
    )


def _order(data: Mapping[str, Any]) -> TikTokOrder:
    payment = data.get("payment") or {}
    return TikTokOrder(
        order_id=_str(data.get("id")),
        status=_str(data.get("status")),
        create_time=_int(data.get("create_time")),
        update_time=_int(data.get("update_time")),
        is_on_hold_order=bool(data.get("is_on_hold_order", False)),
        currency=_str(payment.get("currency")),
        total_amount=_str(payment.get("total_amount")),
        cancellation_initiator=_str(data.get("cancellation_initiator")),
        line_items=tuple(
            TikTokLineItem(
                line_item_id=_str(item.get("id")),
                product_id=_str(item.get("product_id")),
                sku_id=_str(item.get("sku_id")),
                seller_sku=_str(item.get("seller_sku")),
                sale_price=_str(item.get("sale_price")),
                package_id=_str(item.get("package_id")),
            )
            for item in data.get("line_items") or ()
        ),
        package_ids=tuple(_str(package.get("id")) for package in data.get("packages") or ()),
        shipping_type=_str(data.get("shipping_type")),
        delivery_option_id=_str(data.get("delivery_option_id")),
    )


def _action_failures(data: Mapping[str, Any]) -> list[ProductActionFailure]:
    return [
        ProductActionFailure(
            product_id=_str((error.get("detail") or {}).get("product_id")),
            code=_int(error.get("code")),
            message=_str(error.get("message")),
        )
        for error in data.get("errors") or ()
    ]


def _grant(data: Mapping[str, Any]) -> TokenGrant:
    return TokenGrant(
        access_token=_str(data.get("access_token")),
        access_token_expire_in=_int(data.get("access_token_expire_in")),
        refresh_token=_str(data.get("refresh_token")),
        refresh_token_expire_in=_int(data.get("refresh_token_expire_in")),
        open_id=_str(data.get("open_id")),
        seller_name=_str(data.get("seller_name")),
        seller_base_region=_str(data.get("seller_base_region")),
        user_type=_int(data.get("user_type")),
    )


def _never_sent(error: requests.RequestException) -> bool:
    """True only when the connection failed before any byte of the request was sent."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError)  # refused, unreachable, DNS failure
    return False


# --- the app-level client ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    method: str
    base_url: str
    path: str
    query: Mapping[str, str]
    body: bytes | None
    access_token: str | None
    idempotent: bool
    signed: bool = True


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
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.app_key = app_key
        self._app_secret = app_secret
        self.api_base_url = api_base_url.rstrip("/")
        self.auth_base_url = auth_base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not security
        self._clock = clock
        self.session = requests.Session()

    def __repr__(self) -> str:
        return f"TikTokClient(app_key={self.app_key!r}, api_base_url={self.api_base_url!r})"

    def close(self) -> None:
        self.session.close()

    def for_shop(self, auth: ShopAuth, on_refresh: Callable[[TokenGrant], None] | None = None) -> ShopClient:
        return ShopClient(self, auth, on_refresh)

    # Authorization guide 202309, steps 2 and 3: GET on the auth host, credentials in the query.
    def get_access_token(self, auth_code: str) -> TokenGrant:
        query = {
            "app_key": self.app_key,
            "app_secret": self._app_secret,
            "auth_code": auth_code,
            "grant_type": "authorized_code",
        }
        request = _Request("GET", self.auth_base_url, GRANT_PATH, query, None, None, False, False)
        return _grant(self._call(request))

    def refresh_access_token(self, refresh_token: str) -> TokenGrant:
        query = {
            "app_key": self.app_key,
            "app_secret": self._app_secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        request = _Request("GET", self.auth_base_url, REFRESH_PATH, query, None, None, False, False)
        return _grant(self._call(request))

    # --- transport ---

    def api_request(
        self,
        method: str,
        path: str,
        *,
        access_token: str,
        shop_cipher: str | None = None,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool,
    ) -> JsonObject:
        """One signed call to the API host; returns the envelope's ``data``."""
        params = {key: str(value) for key, value in (query or {}).items()}
        if shop_cipher is not None:
            params["shop_cipher"] = shop_cipher
        # Serialized once: these exact bytes are signed and sent.
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        request = _Request(method, self.api_base_url, path, params, raw, access_token, idempotent)
        return self._call(request)

    def _call(self, request: _Request) -> JsonObject:
        attempt = 1
        while True:
            try:
                return self._attempt(request)
            except (TikTokApiError, TikTokTransportError) as error:
                if attempt >= self.max_attempts or not self._retryable(error, request.idempotent):
                    raise
                logger.info(
                    "tiktok call retried",
                    extra={"path": request.path, "attempt": attempt, "reason": _reason(error)},
                )
            # Full jitter: a uniform wait up to the capped exponential bound.
            self._sleep(self._rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))))
            attempt += 1

    @staticmethod
    def _retryable(error: TikTokError, idempotent: bool) -> bool:
        if isinstance(error, TikTokTransportError):
            return idempotent or not error.maybe_processed
        assert isinstance(error, TikTokApiError)
        if error.http_status == 429 or error.code == CODE_RATE_LIMITED:
            return True  # rejected before processing, so safe to repeat whatever the call
        return idempotent and error.http_status >= 500

    def _attempt(self, request: _Request) -> JsonObject:
        query = dict(request.query)
        headers = {"content-type": "application/json"}
        if request.signed:
            query["app_key"] = self.app_key
            query["timestamp"] = str(int(self._clock()))
            query["sign"] = request_signature(self._app_secret, request.path, query, request.body or b"")
        if request.access_token is not None:
            headers["x-tts-access-token"] = request.access_token
        try:
            response = self.session.request(
                request.method,
                request.base_url + quote(request.path),
                params=query,
                data=request.body,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            # The exception text may hold the URL, whose query carries the secret on the auth host.
            raise TikTokTransportError(
                f"{type(error).__name__} calling {request.path}", maybe_processed=not _never_sent(error)
            ) from None
        return self._envelope(request.path, response)

    @staticmethod
    def _envelope(path: str, response: requests.Response) -> JsonObject:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            if response.status_code == 429 or response.status_code >= 400:
                raise TikTokApiError(-1, f"HTTP {response.status_code}", "", response.status_code)
            raise TikTokTransportError(f"not a TikTok envelope from {path}", maybe_processed=True)
        code = _int(envelope.get("code"))
        if code == CODE_OK and response.status_code < 400:
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        error_type = TikTokTokenExpiredError if code == CODE_TOKEN_EXPIRED else TikTokApiError
        raise error_type(
            code, _str(envelope.get("message")), _str(envelope.get("request_id")), response.status_code
        )


def _reason(error: TikTokError) -> str:
    if isinstance(error, TikTokApiError):
        return f"code {error.code} http {error.http_status}"
    return type(error).__name__


# --- the per-shop handle ----------------------------------------------------------------------------


class ShopClient:
    """Calls for one authorized shop; refreshes an expired access token once per call."""

    def __init__(
        self,
        client: TikTokClient,
        auth: ShopAuth,
        on_refresh: Callable[[TokenGrant], None] | None = None,
    ) -> None:
        self._client = client
        self._auth = auth
        self._on_refresh = on_refresh
        self._lock = threading.Lock()

    @property
    def auth(self) -> ShopAuth:
        return self._auth

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | int] | None = None,
        body: Mapping[str, Any] | None = None,
        idempotent: bool,
        with_cipher: bool = True,
    ) -> JsonObject:
        used = self._auth
        try:
            return self._send(used, method, path, query, body, idempotent, with_cipher)
        except TikTokTokenExpiredError:
            # The call was refused, not processed, so repeating it is safe even when not idempotent.
            fresh = self._refresh(used)
            return self._send(fresh, method, path, query, body, idempotent, with_cipher)

    def _send(
        self,
        auth: ShopAuth,
        method: str,
        path: str,
        query: Mapping[str, str | int] | None,
        body: Mapping[str, Any] | None,
        idempotent: bool,
        with_cipher: bool,
    ) -> JsonObject:
        return self._client.api_request(
            method,
            path,
            access_token=auth.access_token,
            shop_cipher=auth.shop_cipher if with_cipher else None,
            query=query,
            body=body,
            idempotent=idempotent,
        )

    def _refresh(self, expired: ShopAuth) -> ShopAuth:
        with self._lock:
            if self._auth.access_token != expired.access_token:
                return self._auth  # another thread refreshed meanwhile
            grant = self._client.refresh_access_token(expired.refresh_token)
            self._auth = ShopAuth(grant.access_token, grant.refresh_token, expired.shop_cipher)
            logger.info("tiktok access token refreshed", extra={"expires": grant.access_token_expire_in})
            if self._on_refresh is not None:
                self._on_refresh(grant)
            return self._auth

    def refresh(self) -> None:
        """Refresh the access token now, before it expires (the token schedule)."""
        self._refresh(self._auth)

    # Get Authorized Shops (authorization/202309): the one call without shop_cipher.
    def get_authorized_shops(self) -> list[AuthorizedShop]:
        data = self._request("GET", "/authorization/202309/shops", idempotent=True, with_cipher=False)
        return [
            AuthorizedShop(
                shop_id=_str(shop.get("id")),
                name=_str(shop.get("name")),
                region=_str(shop.get("region")),
                cipher=_str(shop.get("cipher")),
                code=_str(shop.get("code")),
                seller_type=_str(shop.get("seller_type")),
            )
            for shop in data.get("shops") or ()
        ]

    # Create Product (product/202309/products).
    def create_product(self, product: NewProduct) -> CreatedProduct:
        data = self._request("POST", "/product/202309/products", body=product.to_body(), idempotent=False)
        warnings = tuple(_str(w.get("message")) for w in data.get("warnings") or ())
        return CreatedProduct(_str(data.get("product_id")), _skus(data.get("skus")), warnings)

    # Get Product (product/202309/products/{product_id}).
    def get_product(self, product_id: str) -> TikTokProduct:
        data = self._request("GET", f"/product/202309/products/{product_id}", idempotent=True)
        return _product(data)

    # Search Products (product/202309/products/search): paging in the query, filters in the body.
    def search_products(
        self,
        *,
        status: str | None = None,
        update_time_ge: int | None = None,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> ProductPage:
        query: dict[str, str | int] = {"page_size": page_size}
        if page_token:
            query["page_token"] = page_token
        filters = {"status": status, "update_time_ge": update_time_ge}
        body = {key: value for key, value in filters.items() if value is not None}
        data = self._request(
            "POST", "/product/202309/products/search", query=query, body=body, idempotent=True
        )
        return ProductPage(
            products=tuple(_product(item) for item in data.get("products") or ()),
            next_page_token=_str(data.get("next_page_token")),
            total_count=_int(data.get("total_count")),
        )

    # Activate / Deactivate Products (product/202309/products/activate|deactivate): setting a state
    # twice is harmless, so both retry like reads. Max 20 ids per call.
    def activate_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        return self._product_action("/product/202309/products/activate", product_ids)

    def deactivate_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        return self._product_action("/product/202309/products/deactivate", product_ids)

    def _product_action(self, path: str, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        data = self._request("POST", path, body={"product_ids": list(product_ids)}, idempotent=True)
        return _action_failures(data)

    # Update Inventory (product/202309/products/{product_id}/inventory/update): absolute quantities,
    # so a repeat sets the same value.
    def update_inventory(self, product_id: str, levels: Sequence[InventoryLevel]) -> None:
        skus = [{"id": level.sku_id, "inventory": [_inventory_body(level)]} for level in levels]
        self._request(
            "POST",
            f"/product/202309/products/{product_id}/inventory/update",
            body={"skus": skus},
            idempotent=True,
        )

    # Partial Edit Product (product/202309/products/{product_id}/partial_edit): a repeat sets the
    # same values.
    def partial_edit_product(self, product_id: str, edit: ProductEdit) -> None:
        self._request(
            "POST",
            f"/product/202309/products/{product_id}/partial_edit",
            body=edit.to_body(),
            idempotent=True,
        )

    # Update Price (product/202309/products/{product_id}/prices/update): live SKUs only, absolute.
    def update_prices(self, product_id: str, prices: Sequence[SkuPrice]) -> None:
        skus = [{"id": p.sku_id, "price": {"amount": p.amount, "currency": p.currency}} for p in prices]
        self._request(
            "POST",
            f"/product/202309/products/{product_id}/prices/update",
            body={"skus": skus},
            idempotent=True,
        )

    # Delete Products (product/202309/products, DELETE): up to 20 ids; deleting twice is harmless.
    def delete_products(self, product_ids: Sequence[str]) -> list[ProductActionFailure]:
        data = self._request(
            "DELETE", "/product/202309/products", body={"product_ids": list(product_ids)}, idempotent=True
        )
        return _action_failures(data)

    # Get Shipping Providers (logistics/202309/delivery_options/{delivery_option_id}/shipping_providers).
    def get_shipping_providers(self, delivery_option_id: str) -> list[ShippingProvider]:
        data = self._request(
            "GET",
            f"/logistics/202309/delivery_options/{delivery_option_id}/shipping_providers",
            idempotent=True,
        )
        return [
            ShippingProvider(_str(p.get("id")), _str(p.get("name")))
            for p in data.get("shipping_providers") or ()
        ]

    # Get Order List (order/202309/orders/search).
    def search_orders(
        self,
        *,
        update_time_ge: int | None = None,
        update_time_lt: int | None = None,
        order_status: str | None = None,
        page_size: int = 50,
        page_token: str | None = None,
        sort_field: str = "update_time",
        sort_order: str = "ASC",
    ) -> OrderPage:
        query: dict[str, str | int] = {
            "page_size": page_size,
            "sort_field": sort_field,
            "sort_order": sort_order,
        }
        if page_token:
            query["page_token"] = page_token
        filters = {
            "update_time_ge": update_time_ge,
            "update_time_lt": update_time_lt,
            "order_status": order_status,
        }
        body = {key: value for key, value in filters.items() if value is not None}
        data = self._request("POST", "/order/202309/orders/search", query=query, body=body, idempotent=True)
        return OrderPage(
            orders=tuple(_order(item) for item in data.get("orders") or ()),
            next_page_token=_str(data.get("next_page_token")),
            total_count=_int(data.get("total_count")),
        )

    # Get Order Detail (order/202309/orders?ids=): up to 50 ids, comma-separated.
    def get_orders(self, order_ids: Sequence[str]) -> list[TikTokOrder]:
        if not order_ids:
            return []
        data = self._request(
            "GET", "/order/202309/orders", query={"ids": ",".join(order_ids)}, idempotent=True
        )
        return [_order(item) for item in data.get("orders") or ()]

    def get_order(self, order_id: str) -> TikTokOrder | None:
        orders = self.get_orders([order_id])
        return orders[0] if orders else None

    # Cancel Order (return_refund/202309/cancellations).
    def cancel_order(
        self, order_id: str, cancel_reason: str, order_line_item_ids: Sequence[str] = ()
    ) -> Cancellation:
        body: JsonObject = {"order_id": order_id, "cancel_reason": cancel_reason}
        if order_line_item_ids:
            body["order_line_item_ids"] = list(order_line_item_ids)
        data = self._request("POST", "/return_refund/202309/cancellations", body=body, idempotent=False)
        return Cancellation(_str(data.get("cancel_id")), _str(data.get("cancel_status")))

    # Ship Package (fulfillment/202309/packages/{package_id}/ship).
    def ship_package(
        self,
        package_id: str,
        *,
        tracking_number: str | None = None,
        shipping_provider_id: str | None = None,
        handover_method: str | None = None,
    ) -> None:
        body: JsonObject = {}
        if handover_method:
            body["handover_method"] = handover_method
        if tracking_number or shipping_provider_id:
            body["self_shipment"] = {
                "tracking_number": tracking_number or "",
                "shipping_provider_id": shipping_provider_id or "",
            }
        self._request("POST", f"/fulfillment/202309/packages/{package_id}/ship", body=body, idempotent=False)
