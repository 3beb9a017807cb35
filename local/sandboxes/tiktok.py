"""A TikTok Shop sandbox: one local HTTP server playing both the API host and the auth host.

It checks every API call as TikTok documents (app key, timestamp window, ``sign`` over the received
path, query and raw body, access token, shop cipher) and answers with TikTok's envelope and codes. It
keeps its own shops, tokens, products, orders, packages, cancellations and returns, audits created and
edited products after a delay, keeps each shop's webhook registrations (Get / Update / Delete Shop
Webhook) and posts signed webhooks (types 1, 5, 11, 12 and 37) from a background thread, only for the
types a shop registered and to the address it registered. Fault knobs make it answer
429/5xx/36009003 for a seeded share of calls, 105005 for named endpoints, drop webhooks, or sign them
with a wrong secret; a shop's ``kyc_pending`` makes audits end PRE_APPROVED.

Control endpoints (``/sandbox/...``, for curl and tests): POST shops (``kyc_pending`` and
``packages_before_shipping`` too), POST shops/{id}/token, POST shops/{id}/kyc ``{"pending": bool}``,
POST shops/{id}/history ``{"count", "before"}``, POST orders (``create_order``'s arguments), POST
orders/{id}/status, POST orders/{id}/cancel ``{"role", "reason", "line_item_ids"}``, POST orders/{id}/returns
``{"line_item_ids", "return_type", "statuses"}``, POST returns/{id}/status ``{"statuses"}``, POST
products/{id}/delete, POST tokens/expire, POST faults, GET state.

Run alone: ``python -m local.sandboxes.tiktok --port 8100`` (app key and secret
from TIKTOK_APP_KEY / TIKTOK_APP_SECRET). Facts from partner.tiktokshop.com/docv2: "Sign your API
request", "Common errors", "Authorization guide 202309", webhooks 1 and 5, and the 202309 reference
pages of each endpoint served here. Never shipped.

Before anything else, every API call is judged by TikTok's published reference (``tiktok_contract``,
over local/contracts/tiktok): a breach is recorded in ``sandbox.contract`` and refused with TikTok's
code unless ``sandbox.contract.tolerate(...)`` names it as a known gap (the tests' allowlist).

This module ties the parts into one server and checks each API call's app key, timestamp and sign:
``tiktok_state`` (shops, tokens, fault knobs), ``tiktok_products``, ``tiktok_orders`` (with
``tiktok_order_model``), ``tiktok_fulfillment`` (shipping), ``tiktok_aftersales`` (cancellations,
returns),
``tiktok_catalog`` (uploaded images, warehouses, categories, brands, category recommendation, and
the checks against them),
``tiktok_webhooks`` (scheduler, signed webhooks), ``tiktok_http`` (routes, request handler) and
``tiktok_codes`` (TikTok's codes and limits).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Self

from connector.clients.tiktok.signing import signature_valid
from local.sandboxes.tiktok_aftersales import AfterSales
from local.sandboxes.tiktok_catalog import Catalog
from local.sandboxes.tiktok_codes import (
    ACCESS_DENIED,
    BAD_REQUEST,
    INVALID_SIGN,
    RATE_LIMITED,
    TIMESTAMP_FUTURE_SECONDS,
    TIMESTAMP_PAST_SECONDS,
    ApiFailure,
    JsonObject,
)
from local.sandboxes.tiktok_contract import Contract
from local.sandboxes.tiktok_fulfillment import Fulfillment
from local.sandboxes.tiktok_http import api_routes, find_route, handler_for
from local.sandboxes.tiktok_orders import Orders, public_order
from local.sandboxes.tiktok_products import Products, public_product
from local.sandboxes.tiktok_state import Accounts, Admission, Faults, SandboxShop, Shared
from local.sandboxes.tiktok_webhooks import Scheduler, SentWebhook, WebhookSender
from local.service import LoopbackServer, Service

# RATE_LIMITED is public here too: the bulk benchmark imports it from this module.
__all__ = ["RATE_LIMITED", "TikTokSandbox", "main"]


# What POST /sandbox/orders takes besides shop_id, line_items, status and currency.
ORDER_OPTIONS = (
    "recipient",
    "buyer_email",
    "buyer_message",
    "shipping_fee",
    "shipping_fee_seller_discount",
    "shipping_fee_platform_discount",
    "tax_rate",
    "fulfillment_type",
    "shipping_type",
)


class TikTokSandbox(Service):
    """A local TikTok Shop (API and auth hosts) for ``make run`` and the tests."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        audit_delay_seconds: float = 0.0,
        port: int = 0,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.time,
        service_id: str = "7000000000000000001",
        redirect_url: str | None = None,
    ) -> None:
        self.app_key = app_key
        # The app's service id and the redirect URL registered for it in Partner Center.
        self.service_id = service_id
        self.redirect_url = redirect_url
        self._app_secret = app_secret
        self.faults = Faults()
        self._http = LoopbackServer(handler_for(self), "tiktok-sandbox", port)
        self._clock = clock
        self._shared = Shared(clock)
        self._lock = self._shared.lock
        self.calls: dict[str, int] = {}  # processed calls per route, for tests
        self.received: dict[str, int] = {}  # signed calls per path, faulted ones included
        self._admission = Admission(self.faults, seed)
        self._scheduler = Scheduler(clock)
        self._accounts = Accounts(self._shared, app_key, app_secret, self.calls)
        self.shops: dict[str, SandboxShop] = self._accounts.shops
        self._webhooks = WebhookSender(
            self._shared, self._scheduler, self.faults, app_key, app_secret, self._accounts.shops
        )
        self.webhooks: list[SentWebhook] = self._webhooks.sent
        self.default_shop = self._accounts.default_shop
        self._products = Products(
            self._shared, self._scheduler, self._webhooks, audit_delay_seconds, self._accounts.shops
        )
        self.products: dict[str, JsonObject] = self._products.products
        self._orders = Orders(self._shared, self._accounts, self._webhooks, self.products)
        self.orders: dict[str, JsonObject] = self._orders.orders
        self.packages: dict[str, JsonObject] = self._orders.packages
        self._aftersales = AfterSales(self._orders)
        self.cancellations: dict[str, JsonObject] = self._aftersales.cancellations
        self.returns: dict[str, JsonObject] = self._aftersales.returns
        self._catalog = Catalog(self._shared)
        self._routes = api_routes(
            self._products,
            self._orders,
            self._catalog,
            Fulfillment(self._orders),
            self._aftersales,
            self._accounts,
            self._webhooks,
        )
        # TikTok's published reference judges every call; nothing is tolerated unless a test says so.
        self.contract = Contract()
        # What tests and the control endpoints call, answered by the part that keeps those records.
        self.add_shop = self._accounts.add_shop
        self.authorize = self._accounts.authorize
        self.issue_token = self._accounts.issue_token
        self.expire_token = self._accounts.expire_token
        self.handle_token = self._accounts.handle_token  # the auth host
        self.create_order = self._orders.create_order
        self.advance_order = self._orders.advance_order
        self.add_history = self._orders.add_history
        self.cancel_by_tiktok = self._aftersales.cancel_by_tiktok
        self.request_return = self._aftersales.request_return
        self.advance_return = self._aftersales.advance_return
        self.delete_product = self._products.delete_product

    def public_order(self, order_id: str) -> JsonObject:
        """The order as Get Order Detail answers it."""
        with self._lock:
            return public_order(self.orders[order_id])

    def set_packages_before_shipping(self, shop_id: str | None, on: bool) -> SandboxShop:
        """Off: the shop's new orders carry no package until the seller ships their line items with
        Mark Package As Shipped (the markets without a package_id before shipping)."""
        with self._lock:
            shop = self._accounts.shop(shop_id)
            shop.packages_before_shipping = on
            return shop

    def add_warehouse(self, shop_id: str, name: str) -> str:
        """A second sales warehouse for a shop; its id."""
        with self._lock:
            return self._catalog.add_warehouse(self.shops[shop_id], name)

    # --- lifecycle ---

    def start(self) -> Self:
        self._scheduler.start()
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()
        self._scheduler.stop()
        self._webhooks.close()

    @property
    def url(self) -> str:
        return self._http.url

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until due audits and webhook deliveries are done (False if still busy at timeout)."""
        return self._scheduler.wait_idle(timeout)

    # --- knobs and counters ---

    @property
    def audit_delay_seconds(self) -> float:
        return self._products.audit_delay_seconds

    @audit_delay_seconds.setter
    def audit_delay_seconds(self, seconds: float) -> None:
        self._products.audit_delay_seconds = seconds

    def set_kyc_pending(self, shop_id: str | None, pending: bool) -> SandboxShop:
        """The shop's seller KYC pends (audits end PRE_APPROVED, KYC_PENDING) or completes (its
        pre-approved products are audited again)."""
        shop = self._accounts.shop(shop_id)
        self._products.set_kyc_pending(shop, pending)
        return shop

    @property
    def admitted(self) -> int:
        """Signed calls within the rate limit."""
        return self._admission.admitted

    @property
    def rate_limited(self) -> int:
        """Signed calls answered 429 for the rate limit."""
        return self._admission.rate_limited

    # --- the API host ---

    def deauthorize(self, shop_id: str) -> None:
        """The seller removes the app in Seller Center: their tokens stop working, and webhook type 6
        (seller deauthorization) is sent for the shop."""
        self._accounts.deauthorize(shop_id)
        self._webhooks.seller_deauthorized(shop_id)

    def handle_api(
        self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> JsonObject:
        """Check one API call and answer its ``data`` (raises ApiFailure otherwise)."""
        checked = self.contract.check(method, path, query, headers, body)  # before anything else
        # "Sign your API request": a multipart body is not part of the string to sign.
        self._check_app(path, query, b"" if checked.multipart else body)
        with self._lock:
            self.received[path] = self.received.get(path, 0) + 1
            self._admission.admit()
        route, params = find_route(self._routes, checked, method, path)
        if route.title in self.faults.denied_endpoints:
            raise ApiFailure(ACCESS_DENIED, "Access denied: the access token lacks this endpoint's scope")
        with self._lock:
            shop = self._accounts.check_token(headers.get("x-tts-access-token", ""))
            if route.needs_cipher or "shop_cipher" in query:
                shop = self._accounts.check_cipher(shop, query.get("shop_cipher"))
            # the body as the contract check read it: parsed once
            payload: JsonObject = dict(checked.form) if checked.form is not None else checked.payload
            self.contract.enforce(self._catalog.violations(checked, shop, query, payload, self.products))
            data = route.handler(shop, query, payload, *params)
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

    # --- control (for curl while `make run` runs, and for tests) ---

    def handle_control(self, method: str, path: str, body: JsonObject) -> JsonObject:
        parts = [p for p in path.split("/") if p][1:]  # after "sandbox"
        with self._lock:
            if method == "POST" and parts == ["shops"]:
                shop = self.add_shop(
                    body.get("shop_id"),
                    body.get("name", "Sandbox Shop"),
                    body.get("region", "US"),
                    bool(body.get("kyc_pending", False)),
                    bool(body.get("packages_before_shipping", True)),
                )
                return shop.__dict__.copy()
            if method == "POST" and len(parts) == 3 and parts[0] == "shops" and parts[2] == "kyc":
                return self.set_kyc_pending(parts[1], bool(body.get("pending", False))).__dict__.copy()
            if method == "POST" and len(parts) == 3 and parts[0] == "shops" and parts[2] == "token":
                grant = self.issue_token(parts[1])
                return {**grant.__dict__}
            if method == "POST" and parts == ["orders"]:
                options = {key: body[key] for key in ORDER_OPTIONS if key in body}
                order_id = self.create_order(
                    body.get("shop_id"),
                    body.get("line_items") or [{}],
                    body.get("status", "UNPAID"),
                    body.get("currency"),
                    **options,
                )
                return public_order(self.orders[order_id])
            if method == "POST" and len(parts) == 3 and parts[0] == "shops" and parts[2] == "history":
                before = int(body.get("before") or self._clock())
                ids = self.add_history(parts[1], int(body.get("count", 1)), before=before)
                return {"order_ids": ids}
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "cancel":
                cancel_id = self.cancel_by_tiktok(
                    parts[1],
                    role=str(body.get("role", "BUYER")),
                    reason=str(body.get("reason", "No longer needed")),
                    line_item_ids=body.get("line_item_ids"),
                )
                return {"cancel_id": cancel_id, **public_order(self.orders[parts[1]])}
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "returns":
                return_id = self.request_return(
                    parts[1],
                    body.get("line_item_ids"),
                    return_type=str(body.get("return_type", "RETURN_AND_REFUND")),
                )
                return self.advance_return(return_id, *(body.get("statuses") or ()))
            if method == "POST" and len(parts) == 3 and parts[0] == "returns" and parts[2] == "status":
                return self.advance_return(parts[1], *(body.get("statuses") or [body.get("status", "")]))
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "status":
                return public_order(self.advance_order(parts[1], str(body.get("status", ""))))
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
                    "products": [public_product(p) for p in self.products.values()],
                    "orders": [public_order(o) for o in self.orders.values()],
                    "cancellations": list(self.cancellations.values()),
                    "returns": list(self.returns.values()),
                    "calls": dict(self.calls),
                    "contract": {
                        "violations": [v.__dict__ for v in self.contract.violations],
                        "tolerated": [v.__dict__ for v in self.contract.tolerated],
                        "versions": dict(self.contract.versions),
                    },
                    "webhooks": [
                        {"status": w.status, "dropped": w.dropped, "address": w.address, "body": w.payload}
                        for w in self.webhooks
                    ],
                }
        raise KeyError(path)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the TikTok Shop sandbox.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TIKTOK_SANDBOX_PORT", "8100")))
    parser.add_argument("--audit-delay", type=float, default=2.0)
    args = parser.parse_args()
    sandbox = TikTokSandbox(
        os.environ.get("TIKTOK_APP_KEY", "sandbox-app-key"),
        os.environ.get("TIKTOK_APP_SECRET", "sandbox-app-secret"),
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
