"""A TikTok Shop sandbox: one local HTTP server playing both the API host and the auth host.

It checks every API call as TikTok documents (app key, timestamp window, ``sign`` over the received
path, query and raw body, access token, shop cipher) and answers with TikTok's envelope and codes. It
keeps its own shops, tokens, products and orders, audits created products after a delay, and posts
signed webhooks (types 1 and 5) from a background thread. Fault knobs make it answer 429/5xx for a
seeded share of calls, drop webhooks, or sign them with a wrong secret.

Run alone: ``python -m local.sandboxes.tiktok --port 8100 --webhook-url URL`` (app key and secret
from TIKTOK_APP_KEY / TIKTOK_APP_SECRET). Facts from partner.tiktokshop.com/docv2: "Sign your API
request", "Common errors", "Authorization guide 202309", webhooks 1 and 5, and the 202309 reference
pages of each endpoint served here. Never shipped.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests

from connector.clients.tiktok.signing import signature_valid
from connector.webhooks.signatures import tiktok_signature

JsonObject = dict[str, Any]

# Codes from "Common errors" and the endpoints' error tables.
OK = 0
EXPIRED_TOKEN = 105002
INVALID_SIGN = 106001
MISSING_CIPHER = 106013
CIPHER_MISMATCH = 101000
BAD_REQUEST = 36009004  # bad app_key, timestamp out of window, missing sign, invalid token
RATE_LIMITED = 36009002
INTERNAL_ERROR = 36009003
UNKNOWN_PATH = 36009009
# The auth host's codes for a bad credential or auth code are not in the docs; these are ours.
AUTH_INVALID_CREDENTIALS = 36004003
AUTH_INVALID_CODE = 36004004

TIMESTAMP_PAST_SECONDS = 300  # [now - 5 min, now + 30 s]
TIMESTAMP_FUTURE_SECONDS = 30
ACCESS_TOKEN_TTL = 7 * 24 * 3600  # "default expiration time set to seven days"
REFRESH_TOKEN_TTL = 365 * 24 * 3600
AUTH_CODE_TTL = 30 * 60  # "The auth_code expires in 30 minutes and can only be used once."

# Get Shipping Providers answers these for the sandbox's one delivery option.
STANDARD_DELIVERY_OPTION = "7091146663229654785"
SHIPPING_PROVIDERS = (
    {"id": "6617675021119438849", "name": "USPS"},
    {"id": "6617675021119438850", "name": "UPS"},
    {"id": "6617675021119438851", "name": "FedEx"},
    {"id": "6617675021119438852", "name": "DHL eCommerce"},
)

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
# The order API says CANCELLED; webhook type 1 says CANCEL.
WEBHOOK_ORDER_STATUS = {"CANCELLED": "CANCEL"}
REJECT_MARKER = "[reject]"
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Create Product: title length by region ("title" in the 202309 request body).
TITLE_LIMITS = {"BR": (1, 300), "MX": (1, 300)}
TITLE_LIMITS.update({region: (1, 255) for region in ("DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US")})
OTHER_REGION_TITLE_LIMITS = (25, 255)


class ApiFailure(Exception):
    """An answer with a non-zero code (HTTP 200 unless said otherwise)."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass(frozen=True)
class SandboxShop:
    shop_id: str
    cipher: str
    name: str
    region: str
    code: str
    seller_name: str
    open_id: str


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


@dataclass(frozen=True)
class SentWebhook:
    """One webhook the sandbox meant to send: ``status`` is the receiver's answer (None if unsent)."""

    body: bytes
    signature: str
    dropped: bool
    status: int | None
    error: str = ""

    @property
    def payload(self) -> JsonObject:
        loaded: JsonObject = json.loads(self.body)
        return loaded


@dataclass
class Faults:
    """Fault knobs; shares are in [0, 1] and drawn from a seeded generator."""

    rate_limit_share: float = 0.0
    # TikTok's per-app request limit (code 36009002 beyond it); None: no limit. Partners report 50/s.
    rate_limit_per_second: float | None = None
    server_error_share: float = 0.0
    drop_webhooks: int = 0  # the next N webhooks are not sent
    webhook_secret: str | None = None  # sign webhooks with this (wrong) secret instead
    response_delay_seconds: float = 0.0  # answer this late, after the call was processed


class _Scheduler:
    """One background thread running due tasks in order; ``wait_idle`` waits until none is left."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._tasks: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._busy = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="tiktok-sandbox-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def submit(self, task: Callable[[], None], delay: float = 0.0) -> None:
        with self._condition:
            heapq.heappush(self._tasks, (self._clock() + delay, next(self._sequence), task))
            self._condition.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._tasks or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.05))
            return True

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._tasks or self._tasks[0][0] > self._clock()):
                    wait = self._tasks[0][0] - self._clock() if self._tasks else None
                    self._condition.wait(min(wait, 0.05) if wait is not None else 0.05)
                if self._stopped:
                    return
                _, _, task = heapq.heappop(self._tasks)
                self._busy = True
            try:
                task()
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()


class TikTokSandbox:
    """A local TikTok Shop (API and auth hosts) for ``make run`` and the tests."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        webhook_url: str | None = None,
        audit_delay_seconds: float = 0.0,
        port: int = 0,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_key = app_key
        self._app_secret = app_secret
        self.webhook_url = webhook_url
        self.audit_delay_seconds = audit_delay_seconds
        self.faults = Faults()
        self._port = port
        self._clock = clock
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._ids = itertools.count(1729592969712207008)  # above 2**53, as TikTok's ids are
        self.shops: dict[str, SandboxShop] = {}
        self._access_tokens: dict[str, _Token] = {}
        self._refresh_tokens: dict[str, _Token] = {}
        self._auth_codes: dict[str, _Token] = {}
        self.products: dict[str, JsonObject] = {}
        self.orders: dict[str, JsonObject] = {}
        self.calls: dict[str, int] = {}  # processed calls per route, for tests
        self.received: dict[str, int] = {}  # signed calls per path, faulted ones included
        self.admitted = 0  # signed calls within the rate limit
        self.rate_limited = 0  # signed calls answered 429 for the rate limit
        self._tokens, self._tokens_at = 0.0, time.monotonic()
        self.webhooks: list[SentWebhook] = []
        self._idempotency: dict[tuple[str, str], str] = {}
        self._scheduler = _Scheduler(clock)
        self._webhook_session = requests.Session()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.default_shop = self.add_shop(name="Sandbox Shop", region="US")

    # --- lifecycle ---

    def start(self) -> TikTokSandbox:
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._scheduler.start()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="tiktok-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._scheduler.stop()
        self._webhook_session.close()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> TikTokSandbox:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until due audits and webhook deliveries are done (False if still busy at timeout)."""
        return self._scheduler.wait_idle(timeout)

    # --- shops and tokens ---

    def _new_id(self) -> str:
        return str(next(self._ids))

    def add_shop(
        self, shop_id: str | None = None, name: str = "Sandbox Shop", region: str = "US"
    ) -> SandboxShop:
        with self._lock:
            shop_id = shop_id or self._new_id()
            shop = SandboxShop(
                shop_id=shop_id,
                cipher=f"ROW_{base64.urlsafe_b64encode(shop_id.encode()).decode().rstrip('=')}",
                name=name,
                region=region,
                code=f"{region}LC{shop_id[-6:]}",
                seller_name=f"{name} seller",
                open_id=uuid.uuid5(uuid.NAMESPACE_URL, shop_id).hex,
            )
            self.shops[shop_id] = shop
            return shop

    def authorize(self, shop_id: str | None = None) -> str:
        """An auth code for the shop, as the authorize page hands out."""
        with self._lock:
            shop = self.shops[shop_id or self.default_shop.shop_id]
            code = f"TTP_code_{uuid.uuid4().hex}"
            self._auth_codes[code] = _Token(shop.shop_id, self._clock() + AUTH_CODE_TTL)
            return code

    def issue_token(self, shop_id: str | None = None, access_ttl: float = ACCESS_TOKEN_TTL) -> SandboxGrant:
        """A valid grant for the shop, without the browser dance."""
        with self._lock:
            shop = self.shops[shop_id or self.default_shop.shop_id]
            refresh = f"TTP_refresh_{uuid.uuid4().hex}"
            self._refresh_tokens[refresh] = _Token(shop.shop_id, self._clock() + REFRESH_TOKEN_TTL)
            return self._grant_access(shop, refresh, access_ttl)

    def _grant_access(self, shop: SandboxShop, refresh: str, access_ttl: float) -> SandboxGrant:
        access = f"TTP_access_{uuid.uuid4().hex}"
        self._access_tokens[access] = _Token(shop.shop_id, self._clock() + access_ttl)
        return SandboxGrant(
            access_token=access,
            access_token_expire_in=int(self._access_tokens[access].expires_at),
            refresh_token=refresh,
            refresh_token_expire_in=int(self._refresh_tokens[refresh].expires_at),
            shop_id=shop.shop_id,
            shop_cipher=shop.cipher,
        )

    def expire_token(self, access_token: str) -> None:
        with self._lock:
            self._access_tokens[access_token].expires_at = self._clock() - 1

    # --- orders (seeded by tests and /sandbox endpoints) ---

    def create_order(
        self,
        shop_id: str | None = None,
        line_items: Iterable[Mapping[str, Any]] = (),
        status: str = "UNPAID",
        currency: str = "USD",
    ) -> str:
        """A new order; each line item may name product_id, sku_id, seller_sku, sale_price."""
        with self._lock:
            shop = self.shops[shop_id or self.default_shop.shop_id]
            order_id, package_id, now = self._new_id(), self._new_id(), int(self._clock())
            items = [
                {
                    "id": self._new_id(),
                    "product_id": str(item.get("product_id", "")),
                    "sku_id": str(item.get("sku_id", "")),
                    "seller_sku": str(item.get("seller_sku", "")),
                    "sale_price": str(item.get("sale_price", "10.00")),
                    "currency": currency,
                    "package_id": package_id,
                }
                for item in line_items
            ]
            total = sum((Decimal(item["sale_price"]) for item in items), Decimal("0"))
            self.orders[order_id] = {
                "id": order_id,
                "shop_id": shop.shop_id,
                "status": _api_order_status(status),
                "create_time": now,
                "update_time": now,
                "is_on_hold_order": status == "ON_HOLD",
                "line_items": items,
                "packages": [{"id": package_id}],
                "payment": {"currency": currency, "total_amount": str(total)},
                "shipping_type": "SELLER",
                "delivery_option_id": STANDARD_DELIVERY_OPTION,
            }
            self._order_webhook(self.orders[order_id])
            return order_id

    def advance_order(self, order_id: str, status: str) -> JsonObject:
        """Move an order to ``status`` (CANCEL or CANCELLED cancels) and send the type-1 webhook."""
        with self._lock:
            order = self.orders[order_id]
            self._set_order_status(order, _api_order_status(status))
            return dict(order)

    def _set_order_status(self, order: JsonObject, status: str) -> None:
        # Strictly increasing update_time, so consumers can order the events of one order.
        order["update_time"] = max(int(self._clock()), order["update_time"] + 1)
        order["status"] = status
        if status == "ON_HOLD":
            order["is_on_hold_order"] = True
        self._order_webhook(order)

    # --- webhooks ---

    def _order_webhook(self, order: JsonObject) -> None:
        status = WEBHOOK_ORDER_STATUS.get(order["status"], order["status"])
        data = {
            "order_id": order["id"],
            "order_status": status,
            "is_on_hold_order": order["is_on_hold_order"],
            "update_time": order["update_time"],
        }
        self._send_webhook(1, order["shop_id"], data)

    def _product_webhook(self, product: JsonObject, event: str, reason: str) -> None:
        data = {
            # TikTok's own example sends product_id as a JSON number; so do we.
            "product_id": int(product["id"]),
            "status": event,
            "suspended_reason": reason,
            "update_time": product["update_time"],
        }
        self._send_webhook(5, product["shop_id"], data)

    def _send_webhook(self, kind: int, shop_id: str, data: JsonObject) -> None:
        envelope = {
            "type": kind,
            "tts_notification_id": self._new_id(),
            "shop_id": shop_id,
            "timestamp": int(self._clock()),
            "data": data,
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        secret = self.faults.webhook_secret or self._app_secret
        signature = tiktok_signature(body, self.app_key, secret)
        dropped = self.faults.drop_webhooks > 0
        if dropped:
            self.faults.drop_webhooks -= 1
        self._scheduler.submit(lambda: self._deliver(body, signature, dropped))

    def _deliver(self, body: bytes, signature: str, dropped: bool) -> None:
        if dropped or not self.webhook_url:
            self.webhooks.append(SentWebhook(body, signature, dropped=dropped, status=None))
            return
        headers = {"Authorization": signature, "Content-Type": "application/json"}
        try:
            response = self._webhook_session.post(self.webhook_url, data=body, headers=headers, timeout=5)
        except requests.RequestException as error:
            self.webhooks.append(SentWebhook(body, signature, False, None, type(error).__name__))
            return
        self.webhooks.append(SentWebhook(body, signature, dropped=False, status=response.status_code))

    # --- the API host ---

    def handle_api(
        self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> JsonObject:
        """Check one API call and answer its ``data`` (raises ApiFailure otherwise)."""
        self._check_app(path, query, body)
        with self._lock:
            self.received[path] = self.received.get(path, 0) + 1
        self._inject_faults()
        route, params = _route(method, path)
        with self._lock:
            shop = self._check_token(headers.get("x-tts-access-token", ""))
            if route.needs_cipher:
                self._check_cipher(shop, query.get("shop_cipher"))
            payload = _json_body(body) if method in ("POST", "DELETE") else {}
            data = route.handler(self, shop, query, payload, *params)
            self.calls[route.name] = self.calls.get(route.name, 0) + 1
            return data

    def _check_app(self, path: str, query: dict[str, str], body: bytes) -> None:
        if query.get("app_key") != self.app_key:
            raise ApiFailure(BAD_REQUEST, "Invalid app_key")
        try:
            timestamp = int(query.get("timestamp", ""))
        except ValueError:
            raise ApiFailure(BAD_REQUEST, "Invalid timestamp") from None
        now = self._clock()
        if not now - TIMESTAMP_PAST_SECONDS <= timestamp <= now + TIMESTAMP_FUTURE_SECONDS:
            raise ApiFailure(BAD_REQUEST, "Timestamp is out of the allowed window")
        if not query.get("sign"):
            raise ApiFailure(BAD_REQUEST, "Missing sign")
        signed = {key: value for key, value in query.items() if key != "sign"}
        if not signature_valid(self._app_secret, path, signed, body, query["sign"]):
            raise ApiFailure(INVALID_SIGN, "Invalid sign")

    def _inject_faults(self) -> None:
        with self._lock:
            if not self._within_rate_limit():
                self.rate_limited += 1
                raise ApiFailure(RATE_LIMITED, "Too many requests", HTTPStatus.TOO_MANY_REQUESTS)
            self.admitted += 1
            draw = self._random.random()
            if draw < self.faults.rate_limit_share:
                raise ApiFailure(RATE_LIMITED, "Too many requests", HTTPStatus.TOO_MANY_REQUESTS)
            if draw < self.faults.rate_limit_share + self.faults.server_error_share:
                raise ApiFailure(INTERNAL_ERROR, "Internal error", HTTPStatus.INTERNAL_SERVER_ERROR)

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

    def _check_token(self, access_token: str) -> SandboxShop:
        token = self._access_tokens.get(access_token)
        if token is None:
            raise ApiFailure(BAD_REQUEST, "Invalid access token")
        if token.expires_at <= self._clock():
            raise ApiFailure(EXPIRED_TOKEN, "Expired access token")
        return self.shops[token.shop_id]

    @staticmethod
    def _check_cipher(shop: SandboxShop, cipher: str | None) -> None:
        if not cipher:
            raise ApiFailure(MISSING_CIPHER, "shop_cipher is required")
        if cipher != shop.cipher:
            raise ApiFailure(CIPHER_MISMATCH, "Access token and shop_cipher do not match")

    # --- the auth host ---

    def handle_token(self, path: str, query: dict[str, str]) -> JsonObject:
        if query.get("app_key") != self.app_key or query.get("app_secret") != self._app_secret:
            raise ApiFailure(AUTH_INVALID_CREDENTIALS, "Invalid app_key or app_secret")
        with self._lock:
            if path.endswith("/get"):
                if query.get("grant_type") != "authorized_code":
                    raise ApiFailure(AUTH_INVALID_CODE, "grant_type must be authorized_code")
                code = self._auth_codes.pop(query.get("auth_code", ""), None)  # single use
                if code is None or code.expires_at <= self._clock():
                    raise ApiFailure(AUTH_INVALID_CODE, "Invalid or expired auth_code")
                self.calls["token/get"] = self.calls.get("token/get", 0) + 1
                grant = self.issue_token(code.shop_id)
            else:
                refresh = self._refresh_tokens.get(query.get("refresh_token", ""))
                if query.get("grant_type") != "refresh_token" or refresh is None:
                    raise ApiFailure(AUTH_INVALID_CODE, "Invalid refresh_token")
                if refresh.expires_at <= self._clock():
                    raise ApiFailure(AUTH_INVALID_CODE, "Expired refresh_token")
                self.calls["token/refresh"] = self.calls.get("token/refresh", 0) + 1
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

    # --- endpoints (each: sandbox, shop, query, body, *path params) -> data ---

    def api_shops(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        fields = {"id": shop.shop_id, "name": shop.name, "region": shop.region, "cipher": shop.cipher}
        return {"shops": [{**fields, "code": shop.code, "seller_type": "LOCAL"}]}

    def api_create_product(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        _validate_product(body, shop.region)
        key = (shop.shop_id, str(body.get("idempotency_key") or ""))
        if key[1] and key in self._idempotency:
            product = self.products[self._idempotency[key]]
        else:
            product = self._store_product(shop, body)
            if key[1]:
                self._idempotency[key] = product["id"]
        skus = [{"id": sku["id"], "seller_sku": sku["seller_sku"]} for sku in product["skus"]]
        return {"product_id": product["id"], "skus": skus, "warnings": []}

    def _store_product(self, shop: SandboxShop, body: JsonObject) -> JsonObject:
        now = int(self._clock())
        product: JsonObject = {
            "id": self._new_id(),
            "shop_id": shop.shop_id,
            "title": body["title"],
            "description": body["description"],
            "main_images": [{"uri": str(image["uri"])} for image in body["main_images"]],
            "package_weight": dict(body["package_weight"]),
            "status": "PENDING",
            "audit_failed_reasons": [],
            "create_time": now,
            "update_time": now,
            "skus": [
                {
                    "id": self._new_id(),
                    "seller_sku": str(sku.get("seller_sku", "")),
                    "price": {
                        "sale_price": str(sku["price"]["amount"]),
                        "currency": sku["price"].get("currency"),
                    },
                    "inventory": [
                        {
                            "warehouse_id": str(level.get("warehouse_id") or "7000714532876273410"),
                            "quantity": int(level.get("quantity", 0)),
                        }
                        for level in sku.get("inventory") or ()
                    ],
                }
                for sku in body["skus"]
            ],
        }
        self.products[product["id"]] = product
        self._schedule_audit(product["id"])
        return product

    def _schedule_audit(self, product_id: str) -> None:
        self._scheduler.submit(lambda: self._audit(product_id), self.audit_delay_seconds)

    def _audit(self, product_id: str) -> None:
        """The audit, decided deterministically: a reject marker or non-market language fails it."""
        with self._lock:
            product = self.products[product_id]
            if product["status"] != "PENDING":
                return
            reason = _audit_failure(product)
            product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
            if reason:
                product["status"] = "FAILED"
                product["audit_failed_reasons"] = [
                    {
                        "position": "product",
                        "reasons": [reason],
                        "suggestions": ["Check the product against the listing rules and resubmit."],
                        "listing_platform": "TIKTOK_SHOP",
                    }
                ]
                self._product_webhook(product, "PRODUCT_AUDIT_FAILURE", reason)
            else:
                product["status"] = "ACTIVATE"
                product["audit_failed_reasons"] = []
                self._product_webhook(product, "PRODUCT_FIRST_PASS_REVIEW", "")

    def _own_product(self, shop: SandboxShop, product_id: str) -> JsonObject:
        product = self.products.get(product_id)
        if product is None or product["shop_id"] != shop.shop_id:
            raise ApiFailure(12052260, "The product ID does not exist")
        return product

    def api_get_product(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self._own_product(shop, product_id)
        if product["status"] in ("FREEZE", "DELETED"):  # Get Product excludes these
            raise ApiFailure(12052260, "The product ID does not exist")
        return _public_product(product)

    def api_search_products(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        status, since = body.get("status"), int(body.get("update_time_ge") or 0)
        found = [
            _public_product(p)
            for p in self.products.values()
            if p["shop_id"] == shop.shop_id
            and (not status or p["status"] == status)
            and p["update_time"] >= since
        ]
        found.sort(key=lambda p: (p["create_time"], p["id"]), reverse=True)
        page, token, total = _page(found, query)
        return {"products": page, "next_page_token": token, "total_count": total}

    def _product_action(self, shop: SandboxShop, body: JsonObject, activate: bool) -> JsonObject:
        ids = [str(i) for i in body.get("product_ids") or ()]
        if not ids or len(ids) > 20:
            raise ApiFailure(12019120, "The number of provided product IDs exceeds the limit.")
        errors = []
        allowed = (
            ("SELLER_DEACTIVATED", "PLATFORM_DEACTIVATED") if activate else ("ACTIVATE", "PENDING", "FAILED")
        )
        for product_id in ids:
            product = self.products.get(product_id)
            if product is None or product["shop_id"] != shop.shop_id:
                errors.append(_action_error(product_id, 12052048, "You cannot edit the specified product(s)"))
            elif product["status"] not in allowed:
                errors.append(
                    _action_error(product_id, 12052901, "The product in its current status is not available")
                )
            else:
                product["status"] = "PENDING" if activate else "SELLER_DEACTIVATED"
                product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
                if activate:
                    self._schedule_audit(product_id)
        return {"errors": errors}

    def api_activate(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        return self._product_action(shop, body, activate=True)

    def api_deactivate(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        return self._product_action(shop, body, activate=False)

    def api_update_inventory(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self.products.get(product_id)
        if product is None or product["shop_id"] != shop.shop_id:
            raise ApiFailure(12052048, "You cannot edit the specified product(s)")
        skus = {sku["id"]: sku for sku in product["skus"]}
        for update in body.get("skus") or ():
            sku = skus.get(str(update.get("id")))
            if sku is None:
                raise ApiFailure(12052910, "Invalid input parameters: unknown SKU id")
            for level in update.get("inventory") or ():
                quantity = level.get("quantity")
                if not isinstance(quantity, int) or not 0 <= quantity <= 99_999:
                    raise ApiFailure(12052055, "The SKU inventory quantity must be within allowed limits.")
                warehouse = str(level.get("warehouse_id") or sku["inventory"][0]["warehouse_id"])
                sku["inventory"] = [{"warehouse_id": warehouse, "quantity": quantity}]
        product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
        return {}

    def api_search_orders(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        def wanted(order: JsonObject) -> bool:
            return (
                order["shop_id"] == shop.shop_id
                and order["update_time"] >= int(body.get("update_time_ge") or 0)
                and ("update_time_lt" not in body or order["update_time"] < int(body["update_time_lt"]))
                and (not body.get("order_status") or order["status"] == body["order_status"])
            )

        sort_field = query.get("sort_field", "create_time")
        found = sorted(
            (_public_order(o) for o in self.orders.values() if wanted(o)),
            key=lambda o: (o.get(sort_field, 0), o["id"]),
            reverse=query.get("sort_order", "DESC") == "DESC",
        )
        page, token, total = _page(found, query)
        return {"orders": page, "next_page_token": token, "total_count": total}

    def api_order_detail(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not ids or len(ids) > 50:
            raise ApiFailure(36009004, "ids must name 1 to 50 orders")
        orders = [self.orders.get(i) for i in ids]
        return {
            "orders": [_public_order(o) for o in orders if o is not None and o["shop_id"] == shop.shop_id]
        }

    def api_cancel_order(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        order = self.orders.get(str(body.get("order_id", "")))
        if order is None or order["shop_id"] != shop.shop_id:
            raise ApiFailure(25020005, "No permission to process this order")
        if not body.get("cancel_reason"):
            raise ApiFailure(25001001, "An invalid request parameter was passed: cancel_reason")
        if order["status"] in ("COMPLETED", "CANCELLED"):
            raise ApiFailure(
                25001051, "Not allowed to return or cancel since order is completed or cancelled"
            )
        if order["status"] in ("IN_TRANSIT", "DELIVERED"):
            raise ApiFailure(25001045, "The order has already been shipped")
        order["cancellation_initiator"] = "SELLER"
        self._set_order_status(order, "CANCELLED")
        return {"cancel_id": self._new_id(), "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}

    def api_ship_package(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, package_id: str
    ) -> JsonObject:
        order = next(
            (o for o in self.orders.values() if any(p["id"] == package_id for p in o["packages"])),
            None,
        )
        if order is None or order["shop_id"] != shop.shop_id:
            raise ApiFailure(21011028, "The package does not belong to the current shop.")
        status = order["status"]
        if status == "CANCELLED":
            raise ApiFailure(21011041, "Cannot complete the operation when order is cancelled.")
        if status == "ON_HOLD":
            raise ApiFailure(21011044, "The order is on hold and cannot be fulfilled yet.")
        if status in ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"):
            raise ApiFailure(21011040, "Package has already been shipped.")
        if status != "AWAITING_SHIPMENT":
            raise ApiFailure(21011003, "fulfill_unit action not allowed")
        shipment = body.get("self_shipment") or {}
        if shipment and not (shipment.get("tracking_number") and shipment.get("shipping_provider_id")):
            raise ApiFailure(21011022, "Invalid tracking number or provider ID.")
        self._set_order_status(order, "IN_TRANSIT" if shipment else "AWAITING_COLLECTION")
        return {}

    def api_partial_edit(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self._own_product(shop, product_id)
        if product["status"] in ("FREEZE", "DELETED"):
            raise ApiFailure(12052260, "The product ID does not exist")
        edited = {**_editable(product), **{k: v for k, v in body.items() if k in EDITABLE}}
        _validate_product({**edited, "category_id": "sandbox"}, shop.region)
        if "skus" in body:
            known = {sku["id"]: sku for sku in product["skus"]}
            if any(str(sku.get("id")) not in known for sku in body["skus"]):
                raise ApiFailure(12052910, "Invalid input parameters: unknown SKU id")
            product["skus"] = [_stored_sku(sku, known[str(sku["id"])]) for sku in body["skus"]]
        for name in ("title", "description", "main_images"):
            if name in body:
                product[name] = edited[name]
        product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
        return {}

    def api_update_prices(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, product_id: str
    ) -> JsonObject:
        product = self._own_product(shop, product_id)
        if product["status"] != "ACTIVATE":  # "can be updated only by this SKU in live status"
            raise ApiFailure(12052702, "The SKU price can only be updated when the product is live")
        skus = {sku["id"]: sku for sku in product["skus"]}
        for update in body.get("skus") or ():
            sku, price = skus.get(str(update.get("id"))), update.get("price") or {}
            if sku is None:
                raise ApiFailure(12052910, "Invalid input parameters: unknown SKU id")
            if not _positive_decimal(price.get("amount")) or not price.get("currency"):
                raise ApiFailure(12052073, "The product price is invalid")
            sku["price"] = {"sale_price": str(price["amount"]), "currency": price["currency"]}
        product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
        return {}

    def api_delete_products(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        ids = [str(i) for i in body.get("product_ids") or ()]
        if not ids or len(ids) > 20:
            raise ApiFailure(12019120, "The number of provided product IDs exceeds the limit.")
        errors = []
        for product_id in ids:
            product = self.products.get(product_id)
            if product is None or product["shop_id"] != shop.shop_id:
                errors.append(_action_error(product_id, 12052048, "You cannot edit the specified product(s)"))
            elif product["status"] != "DELETED":
                product["status"] = "DELETED"
                product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
        return {"errors": errors}

    def api_shipping_providers(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, delivery_option_id: str
    ) -> JsonObject:
        if delivery_option_id != STANDARD_DELIVERY_OPTION:
            raise ApiFailure(21011001, "The delivery option does not exist")
        return {"shipping_providers": [dict(provider) for provider in SHIPPING_PROVIDERS]}

    def delete_product(self, product_id: str) -> JsonObject:
        """The seller deletes a product in TikTok Seller Center: TikTok tells us with a type-5 webhook."""
        with self._lock:
            product = self.products[product_id]
            product["status"] = "DELETED"
            product["update_time"] = max(int(self._clock()), product["update_time"] + 1)
            self._product_webhook(product, "PRODUCT_DELETED", "")
            return _public_product(product)

    # --- control (for curl while `make run` runs, and for tests) ---

    def handle_control(self, method: str, path: str, body: JsonObject) -> JsonObject:
        parts = [p for p in path.split("/") if p][1:]  # after "sandbox"
        with self._lock:
            if method == "POST" and parts == ["shops"]:
                shop = self.add_shop(
                    body.get("shop_id"), body.get("name", "Sandbox Shop"), body.get("region", "US")
                )
                return shop.__dict__.copy()
            if method == "POST" and len(parts) == 3 and parts[0] == "shops" and parts[2] == "token":
                grant = self.issue_token(parts[1])
                return {**grant.__dict__}
            if method == "POST" and parts == ["orders"]:
                order_id = self.create_order(
                    body.get("shop_id"), body.get("line_items") or [{}], body.get("status", "UNPAID")
                )
                return _public_order(self.orders[order_id])
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "status":
                return _public_order(self.advance_order(parts[1], str(body.get("status", ""))))
            if method == "POST" and len(parts) == 3 and parts[0] == "products" and parts[2] == "delete":
                return self.delete_product(parts[1])
            if method == "POST" and parts == ["tokens", "expire"]:
                self.expire_token(str(body.get("access_token", "")))
                return {"expired": True}
            if method == "POST" and parts == ["faults"]:
                for name in Faults.__dataclass_fields__:
                    if name in body:
                        setattr(self.faults, name, body[name])
                return dict(self.faults.__dict__)
            if method == "GET" and parts == ["state"]:
                return {
                    "shops": [shop.__dict__ for shop in self.shops.values()],
                    "products": [_public_product(p) for p in self.products.values()],
                    "orders": [_public_order(o) for o in self.orders.values()],
                    "calls": dict(self.calls),
                    "webhooks": [
                        {"status": w.status, "dropped": w.dropped, "body": w.payload} for w in self.webhooks
                    ],
                }
        raise KeyError(path)


# --- routing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., JsonObject]
    needs_cipher: bool = True


ROUTES = (
    _Route("shops", "GET", re.compile(r"/authorization/202309/shops"), TikTokSandbox.api_shops, False),
    _Route(
        "products/search",
        "POST",
        re.compile(r"/product/202309/products/search"),
        TikTokSandbox.api_search_products,
    ),
    _Route(
        "products/activate",
        "POST",
        re.compile(r"/product/202309/products/activate"),
        TikTokSandbox.api_activate,
    ),
    _Route(
        "products/deactivate",
        "POST",
        re.compile(r"/product/202309/products/deactivate"),
        TikTokSandbox.api_deactivate,
    ),
    _Route(
        "products/inventory",
        "POST",
        re.compile(r"/product/202309/products/(\d+)/inventory/update"),
        TikTokSandbox.api_update_inventory,
    ),
    _Route(
        "products/partial_edit",
        "POST",
        re.compile(r"/product/202309/products/(\d+)/partial_edit"),
        TikTokSandbox.api_partial_edit,
    ),
    _Route(
        "products/prices",
        "POST",
        re.compile(r"/product/202309/products/(\d+)/prices/update"),
        TikTokSandbox.api_update_prices,
    ),
    _Route(
        "products/delete",
        "DELETE",
        re.compile(r"/product/202309/products"),
        TikTokSandbox.api_delete_products,
    ),
    _Route(
        "logistics/shipping_providers",
        "GET",
        re.compile(r"/logistics/202309/delivery_options/(\d+)/shipping_providers"),
        TikTokSandbox.api_shipping_providers,
    ),
    _Route(
        "products/get", "GET", re.compile(r"/product/202309/products/(\d+)"), TikTokSandbox.api_get_product
    ),
    _Route(
        "products/create", "POST", re.compile(r"/product/202309/products"), TikTokSandbox.api_create_product
    ),
    _Route(
        "orders/search", "POST", re.compile(r"/order/202309/orders/search"), TikTokSandbox.api_search_orders
    ),
    _Route("orders/detail", "GET", re.compile(r"/order/202309/orders"), TikTokSandbox.api_order_detail),
    _Route(
        "orders/cancel",
        "POST",
        re.compile(r"/return_refund/202309/cancellations"),
        TikTokSandbox.api_cancel_order,
    ),
    _Route(
        "packages/ship",
        "POST",
        re.compile(r"/fulfillment/202309/packages/(\d+)/ship"),
        TikTokSandbox.api_ship_package,
    ),
)


def _route(method: str, path: str) -> tuple[_Route, tuple[str, ...]]:
    for route in ROUTES:
        match = route.pattern.fullmatch(path)
        if match and route.method == method:
            return route, match.groups()
    raise ApiFailure(UNKNOWN_PATH, f"Unknown path {method} {path}", HTTPStatus.NOT_FOUND)


# --- helpers ----------------------------------------------------------------------------------------


def _api_order_status(status: str) -> str:
    status = "CANCELLED" if status in ("CANCEL", "CANCELED") else status
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    return status


def _json_body(body: bytes) -> JsonObject:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        raise ApiFailure(36009004, "The body is not JSON") from None
    if not isinstance(loaded, dict):
        raise ApiFailure(36009004, "The body is not a JSON object")
    return loaded


def _positive_decimal(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


def _validate_product(body: JsonObject, region: str) -> None:
    """Create Product's documented checks, with the codes of its error table."""
    title = body.get("title")
    low, high = TITLE_LIMITS.get(region, OTHER_REGION_TITLE_LIMITS)
    if not isinstance(title, str) or not title.strip():
        raise ApiFailure(12052261, "product name is empty")
    if not low <= len(title) <= high:
        raise ApiFailure(12052051, f"The product name must be {low} to {high} characters")
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ApiFailure(12052015, "The product description is required")
    if len(description) > 10_000:
        raise ApiFailure(12052013, "The product description cannot exceed maximum characters")
    if not str(body.get("category_id") or "").strip():
        raise ApiFailure(12052023, "Category does not exist")
    images = body.get("main_images") or []
    if not images or not all(isinstance(i, dict) and i.get("uri") for i in images):
        raise ApiFailure(12052028, "Main product image is required")
    if len(images) > 9:
        raise ApiFailure(12052306, "main product images count exceed limit")
    skus = body.get("skus") or []
    if not skus:
        raise ApiFailure(12052104, "property is required: skus")
    if len(skus) > 300:
        raise ApiFailure(12052050, "A single product cannot have more than 300 different SKUs")
    for sku in skus:
        price = sku.get("price") or {}
        if not _positive_decimal(price.get("amount")) or not price.get("currency"):
            raise ApiFailure(12052073, "The product price is invalid")
        for level in sku.get("inventory") or ():
            quantity = level.get("quantity", 0)
            if not isinstance(quantity, int) or not 0 <= quantity <= 99_999:
                raise ApiFailure(12052055, "The SKU inventory quantity must be within allowed limits.")
    weight = body.get("package_weight") or {}
    if not _positive_decimal(weight.get("value")) or not weight.get("unit"):
        raise ApiFailure(12052181, "The package weight of the product can not be zero.")


EDITABLE = ("title", "description", "main_images", "skus")


def _editable(product: JsonObject) -> JsonObject:
    """A stored product as the Create Product body it came from, to validate an edit against."""
    skus = [
        {**sku, "price": {"amount": sku["price"]["sale_price"], "currency": sku["price"]["currency"]}}
        for sku in product["skus"]
    ]
    return {
        **{k: product[k] for k in EDITABLE if k != "skus"},
        "skus": skus,
        "package_weight": product["package_weight"],
    }


def _stored_sku(edit: JsonObject, stored: JsonObject) -> JsonObject:
    price = edit.get("price") or {}
    return {
        **stored,
        "seller_sku": str(edit.get("seller_sku") or stored["seller_sku"]),
        "price": {"sale_price": str(price["amount"]), "currency": price["currency"]},
        "inventory": [
            {
                "warehouse_id": str(level.get("warehouse_id") or "7000714532876273410"),
                "quantity": int(level["quantity"]),
            }
            for level in edit.get("inventory") or stored["inventory"]
        ],
    }


def _audit_failure(product: JsonObject) -> str:
    if REJECT_MARKER in product["title"].lower():
        return "violate listing rules"
    # "The language used in the product content must align with the target market's language."
    if CJK.search(product["title"]) or CJK.search(product["description"]):
        return "product content language does not match the market"
    return ""


def _public_product(product: JsonObject) -> JsonObject:
    return {key: value for key, value in product.items() if key != "shop_id"}


def _public_order(order: JsonObject) -> JsonObject:
    return {key: value for key, value in order.items() if key != "shop_id"}


def _action_error(product_id: str, code: int, message: str) -> JsonObject:
    return {
        "code": 12052990,
        "message": "The check failed.",
        "detail": {"product_id": product_id, "extra_errors": [{"code": code, "message": message}]},
    }


def _page(items: list[JsonObject], query: Mapping[str, str]) -> tuple[list[JsonObject], str, int]:
    """One page and the opaque token of the next ("" on the last page)."""
    size = max(1, min(100, int(query.get("page_size") or 20)))
    token = query.get("page_token") or ""
    start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    end = start + size
    next_token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else ""
    return items[start:end], next_token, len(items)


def _envelope(code: int, message: str, data: JsonObject | None = None) -> bytes:
    body = {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": data or {}}
    return json.dumps(body).encode()


def _handler_for(sandbox: TikTokSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "TikTokSandbox/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: requests carry tokens

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_DELETE(self) -> None:
            self._dispatch("DELETE")

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if path == "/oauth/authorize":
                self._authorize(query)
            elif path.startswith("/sandbox/"):
                self._control(method, path, body)
            elif path.startswith("/api/v2/token/"):
                self._answer(lambda: sandbox.handle_token(path, query))
            else:
                headers = {name.lower(): value for name, value in self.headers.items()}
                self._answer(lambda: sandbox.handle_api(method, path, query, headers, body))

        def _answer(self, call: Callable[[], JsonObject]) -> None:
            try:
                data = call()
            except ApiFailure as failure:
                self._send(failure.http_status, _envelope(failure.code, failure.message))
                return
            if sandbox.faults.response_delay_seconds:
                time.sleep(sandbox.faults.response_delay_seconds)  # processed, answered late
            self._send(HTTPStatus.OK, _envelope(OK, "Success", data))

        def _authorize(self, query: dict[str, str]) -> None:
            redirect = query.get("redirect_uri", "")
            if query.get("app_key") != sandbox.app_key or not redirect.startswith(("http://", "https://")):
                self._send(
                    HTTPStatus.BAD_REQUEST, json.dumps({"error": "unknown app_key or redirect_uri"}).encode()
                )
                return
            shop_id = query.get("shop_id") or None
            if shop_id is not None and shop_id not in sandbox.shops:
                self._send(HTTPStatus.BAD_REQUEST, json.dumps({"error": "unknown shop_id"}).encode())
                return
            params = urlencode({"code": sandbox.authorize(shop_id), "state": query.get("state", "")})
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", f"{redirect}{'&' if '?' in redirect else '?'}{params}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _control(self, method: str, path: str, body: bytes) -> None:
            try:
                payload = _json_body(body) if method in ("POST", "DELETE") else {}
                answer = sandbox.handle_control(method, path, payload)
            except (KeyError, ValueError, ArithmeticError, ApiFailure) as error:
                self._send(HTTPStatus.NOT_FOUND, json.dumps({"error": str(error)}).encode())
                return
            self._send(HTTPStatus.OK, json.dumps(answer).encode())

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return  # the caller gave up waiting (a timeout test); nothing to answer to

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the TikTok Shop sandbox.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TIKTOK_SANDBOX_PORT", "8100")))
    parser.add_argument("--webhook-url", default=os.environ.get("TIKTOK_WEBHOOK_URL"))
    parser.add_argument("--audit-delay", type=float, default=2.0)
    args = parser.parse_args()
    sandbox = TikTokSandbox(
        os.environ.get("TIKTOK_APP_KEY", "sandbox-app-key"),
        os.environ.get("TIKTOK_APP_SECRET", "sandbox-app-secret"),
        webhook_url=args.webhook_url,
        audit_delay_seconds=args.audit_delay,
        port=args.port,
    ).start()
    shop = sandbox.default_shop
    print(f"TikTok sandbox on {sandbox.url}; shop {shop.shop_id} cipher {shop.cipher}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
