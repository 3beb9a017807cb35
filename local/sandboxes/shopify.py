"""The Shopify sandbox: a local stand-in for a shop's Admin API, OAuth token exchange, billing
confirmation pages and webhook deliveries, on 127.0.0.1 (never shipped).

Served paths (``{shop}`` is the myshopify.com domain, so ``admin_base_url`` is ``{url}/{shop}``):
  POST /{shop}/admin/oauth/access_token          token exchange (session token -> offline token,
                                                 expiring with expiring=1) and refresh_token grant
  POST /{shop}/admin/api/{version}/graphql.json  GraphQL Admin API (X-Shopify-Access-Token; an
                                                 unknown or expired token is answered 401)
  GET  /{shop}/admin/charges/{id}/confirm|decline  the merchant approves or declines a subscription
  GET  /bulk-results/{shop}/{id}.jsonl?expires=&signature=  a finished bulk query's file
  GET  /cdn/shop/files/{image id}.{png|gif}?v=1  a product image's bytes (the CDN Shopify serves from)
  /sandbox/...                                   control endpoints for developers (see CONTROL_HELP)

Bulk query results are served like Shopify serves them (shopify.dev/docs/api/usage/bulk-operations/
queries): from a signed storage URL that needs no access token, valid for seven days, that
answers Range requests (206 + Content-Range) so that a client can resume an interrupted download.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Self, Unpack
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

from local.sandboxes import shopify_webhooks as payloads
from local.sandboxes.shopify_bulk import BulkFile, BulkQuery, write_jsonl
from local.sandboxes.shopify_catalog import (
    SandboxBulkOperation,
    SandboxFulfillment,
    SandboxImage,
    SandboxLocation,
    SandboxOrder,
    SandboxProduct,
    SandboxSubscription,
    generate_catalog,
    generate_product,
    shop_locations,
    shop_number,
)
from local.sandboxes.shopify_contract import Contract
from local.sandboxes.shopify_edits import ProductEdits, apply_edits
from local.sandboxes.shopify_graphql import (
    BulkStarter,
    GraphQLEndpoint,
    LeakyBucket,
    Resolvers,
    ShopState,
    every,
)
from local.sandboxes.shopify_images import CONTENT_TYPES, image_bytes
from local.sandboxes.shopify_products import ProductSpec, build_product
from local.sandboxes.shopify_session import session_token
from local.sandboxes.shopify_tokens import RefreshRefusedError, SandboxTokenGrant, TokenBook
from local.sandboxes.shopify_webhooks import Delivery, WebhookSender
from local.service import LoopbackServer, Service

API_VERSION = "2025-10"
SHOP = r"(?P<shop>[a-z0-9][a-z0-9-]*\.myshopify\.com)"
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a type name
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
REFRESH_GRANT = "refresh_token"
# What the Admin API answers for an unknown, revoked or expired access token (HTTP 401).
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105
OFFLINE_TOKEN_TYPES = {
    "urn:shopify:params:oauth:token-type:offline-access-token",
    "urn:shopify:params:oauth:token-type:online-access-token",
}
SCOPES = "read_products,read_inventory,write_orders,read_orders"
SESSION_TOKEN_LEEWAY = 10  # seconds of clock skew, as Shopify's libraries allow
BULK_URL_LIFETIME = 7 * 24 * 3600  # a bulk result's url expires after seven days
CONTROL_HELP = {
    "GET /sandbox": "this help, the throttled count and the webhook deliveries",
    "GET /sandbox/{shop}/products": "the catalog (ids, defects, variants, inventory item ids)",
    "GET /sandbox/{shop}/orders": "orders created with orderCreate (REST shape, with their input)",
    "GET /sandbox/{shop}/subscriptions": "app subscriptions and their status",
    "POST /sandbox/{shop}/session-token": "a fresh App Bridge session token for the shop",
    "POST /sandbox/{shop}/access-token": "an offline access token, without a token exchange",
    "POST /sandbox/{shop}/webhooks/products-create": "adds a product and sends products/create",
    "POST /sandbox/{shop}/webhooks/products-update?product_id=&title=&price=&status=&compare_at_price="
    "&add_image=1&remove_variant=": "edits the product and sends products/update (compare_at_price=0 clears)",
    "POST /sandbox/{shop}/webhooks/products-delete?product_id=": "products/delete",
    "POST /sandbox/{shop}/products": "a hand-made product (JSON, see ProductSpec); answers its ids",
    "GET /sandbox/{shop}/locations": "the shop's locations",
    "POST /sandbox/{shop}/webhooks/inventory-levels-update?inventory_item_id=&available=&location_id=": "",
    "POST /sandbox/{shop}/webhooks/orders-fulfilled?order_id=&tracking_number=": "orders/fulfilled",
    "POST /sandbox/{shop}/webhooks/fulfillments-create?order_id=&tracking_number=&tracking_company=": (
        "fulfils what is left of the order: fulfillments/create, then orders/fulfilled"
    ),
    "POST /sandbox/{shop}/webhooks/fulfillments-update?fulfillment_id=&tracking_number=": (
        "a new tracking number (and tracking_company=): fulfillments/update"
    ),
    "POST /sandbox/{shop}/webhooks/app-subscriptions-update?subscription_id=&status=": "",
    "any webhook route": "add wrong_secret=1 to sign with the wrong secret",
    "GET /bulk-results/{shop}/{id}.jsonl?expires=&signature=": "a bulk query's JSONL (the url it gave)",
}


@dataclass(frozen=True)
class InjectedFault:
    """What the next GraphQL request gets: an HTTP status (not executed), or a delayed answer;
    with ``field``, only the next request that selects that root field (e.g. a mutation's name)."""

    status: int | None = None
    delay: float = 0.0
    field: str | None = None

    def applies_to(self, query: str) -> bool:
        return self.field is None or re.search(rf"\b{re.escape(self.field)}\b", query) is not None


class SandboxError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class ShopifySandbox(Service):
    """A local Shopify for one app (``api_key``/``api_secret``) and any number of shops."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        webhook_url: str | None = None,
        port: int = 0,
        products_per_shop: int = 50,
        seed: int = 0,
        *,
        bucket_size: float = 1000.0,
        restore_rate: float = 50.0,
        clock: Callable[[], float] = time.monotonic,
        api_version: str = API_VERSION,
        bulk_seconds: float = 0.3,
        access_token_lifetime: int = 3600,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.products_per_shop = products_per_shop
        self.seed = seed
        self.bucket_size = bucket_size
        self.restore_rate = restore_rate
        self.clock = clock  # the cost buckets' and the tokens' time (seconds); tests may speed it up
        self.api_version = api_version
        # Expiring offline tokens live an hour on Shopify; a test may make them shorter.
        self.access_token_lifetime = access_token_lifetime
        self.tokens = TokenBook()
        self.webhooks = WebhookSender(api_secret, api_version, webhook_url)
        # What the connector sent that Shopify's real schema refuses (see shopify_contract).
        self.contract = Contract()
        self.graphql = GraphQLEndpoint(self.contract)
        self._http = LoopbackServer(
            type("_BoundHandler", (_Handler,), {"sandbox": self}), "shopify-sandbox", port
        )
        self._shops: dict[str, ShopState] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(int(time.time() * 1000) % 10**9 * 1000 + 1)
        self._faults: deque[InjectedFault] = deque()
        self.refused_shops: set[str] = set()  # token exchange refused, as after an uninstall
        # An approved replacement sends the replaced subscription's CANCELLED before the new one's
        # ACTIVE (True) or after it (False).
        self.replaced_cancelled_first = False
        # Bulk queries: the least time one takes from creation to COMPLETED (real seconds, not
        # ``clock``, which tests may freeze), the files they left, and how often one was downloaded.
        self.bulk_seconds = bulk_seconds
        self.bulk_downloads = 0  # answers that carried a result file's bytes (200 or 206)
        self._bulk_files: dict[tuple[str, int], bytes] = {}
        self._bulk_key = secrets.token_bytes(32)  # signs result urls, like a storage bucket's key
        self._fail_next_bulk = False

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def admin_base_url(self) -> str:
        """The SHOPIFY_ADMIN_BASE_URL template that points at this sandbox."""
        return self.url + "/{shop}"

    @property
    def image_host(self) -> str:
        """The SHOPIFY_IMAGE_HOSTS value for this sandbox: it serves the product images itself."""
        return urlsplit(self.url).netloc

    # -- state -----------------------------------------------------------------------------------

    def state(self, shop: str) -> ShopState:
        with self._lock:
            if shop not in self._shops:
                catalog = generate_catalog(shop, self.products_per_shop, self.seed, self.url)
                self._shops[shop] = ShopState(
                    shop=shop,
                    products={product.id: product for product in catalog},
                    bucket=LeakyBucket(self.bucket_size, self.restore_rate, self.clock),
                    locations=shop_locations(shop_number(shop)),
                )
            return self._shops[shop]

    def catalog(self, shop: str) -> list[SandboxProduct]:
        return list(self.state(shop).products.values())

    def product(self, shop: str, product_id: int | str) -> SandboxProduct:
        found = self.state(shop).products.get(int(product_id))
        if found is None:
            raise KeyError(f"no product {product_id} in {shop}")
        return found

    def locations(self, shop: str) -> list[SandboxLocation]:
        return list(self.state(shop).locations)

    def image(self, image_id: int) -> SandboxImage:
        """A product image of any shop (ids are product id x 10 + position, unique over shops)."""
        with self._lock:
            states = list(self._shops.values())
        for state in states:
            product = state.products.get(image_id // 10)
            found = next((i for i in product.images if i.id == image_id), None) if product else None
            if found is not None:
                return found
        raise KeyError(f"no image {image_id}")

    def add_product(
        self, shop: str, spec: ProductSpec | dict[str, Any], *, announce: bool = True
    ) -> SandboxProduct:
        """Put a hand-made product into the shop's catalog (ids follow the generated ones) and,
        when the sandbox has a webhook_url and ``announce``, send products/create for it."""
        state = self.state(shop)
        chosen = spec if isinstance(spec, ProductSpec) else ProductSpec.model_validate(spec)
        with self._lock:
            index = _next_index(state)
            product = build_product(chosen, shop_number(shop), index, state.locations, self.url, _utc_now())
            state.products[product.id] = product
        if announce and self.webhooks.url:
            self.send_webhook(shop, "products/create", payloads.product_payload(product))
        return product

    def orders(self, shop: str) -> list[SandboxOrder]:
        return list(self.state(shop).orders.values())

    def subscriptions(self, shop: str) -> list[SandboxSubscription]:
        return list(self.state(shop).subscriptions.values())

    @property
    def throttled_count(self) -> int:
        """GraphQL answers refused with THROTTLED since start (a well-behaved client causes none)."""
        return self.graphql.throttled

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self.webhooks.deliveries)

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def inject_fault(
        self, status: int | None = None, delay: float = 0.0, times: int = 1, field: str | None = None
    ) -> None:
        """The next ``times`` GraphQL calls (those selecting ``field`` when given, so background
        work cannot take them) answer ``status`` unexecuted, or run then wait ``delay``."""
        with self._lock:
            self._faults.extend([InjectedFault(status, delay, field)] * times)

    def clear_faults(self) -> None:
        """Shopify is back: the injected faults not yet taken are dropped."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, query: str) -> InjectedFault | None:
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(query):
                    self._faults.remove(fault)
                    return fault
            return None

    # -- tokens ----------------------------------------------------------------------------------

    def issue_token(self, shop: str) -> str:
        """A non-expiring offline access token of ``shop``, as apps created before expiring tokens
        hold (and tests of the client use)."""
        return self.tokens.issue(shop, self.clock(), None).access_token

    def issue_expiring_token(self, shop: str) -> SandboxTokenGrant:
        """An expiring offline access token of ``shop`` with its refresh token, as a token exchange
        with expiring=1 answers it, without the exchange."""
        return self.tokens.issue(shop, self.clock(), self.access_token_lifetime)

    def refreshes(self, shop: str) -> list[float]:
        """When (sandbox clock) each refresh of the shop's tokens was granted."""
        return list(self.tokens.refreshed_at[shop])

    def mint_session_token(self, shop: str, lifetime: int = 60, secret: str | None = None) -> str:
        """An App Bridge session token for ``shop``, signed like Shopify signs them (HS256)."""
        return session_token(shop, self.api_key, secret or self.api_secret, lifetime, user_id="42")

    def exchange(self, shop: str, body: dict[str, Any]) -> dict[str, Any]:
        """The token exchange endpoint's logic; raises SandboxError with Shopify's status codes."""
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.api_secret:
            raise SandboxError(HTTPStatus.UNAUTHORIZED, "invalid_client")
        if body.get("grant_type") != TOKEN_EXCHANGE_GRANT or body.get("subject_token_type") != ID_TOKEN_TYPE:
            raise SandboxError(HTTPStatus.BAD_REQUEST, "unsupported_grant_type")
        if body.get("requested_token_type") not in OFFLINE_TOKEN_TYPES:
            raise SandboxError(HTTPStatus.BAD_REQUEST, "invalid_request")
        try:
            claims = jwt.decode(
                str(body.get("subject_token") or ""),
                self.api_secret,
                algorithms=["HS256"],
                audience=self.api_key,
                leeway=SESSION_TOKEN_LEEWAY,
                options={"require": ["exp", "nbf", "aud", "dest"]},
            )
        except jwt.PyJWTError as exc:
            raise SandboxError(HTTPStatus.BAD_REQUEST, "invalid_subject_token") from exc
        if claims.get("dest") != f"https://{shop}":
            raise SandboxError(HTTPStatus.BAD_REQUEST, "invalid_subject_token")
        if shop in self.refused_shops:  # the merchant removed the app: Shopify grants nothing
            raise SandboxError(HTTPStatus.BAD_REQUEST, "invalid_subject_token")
        lifetime = self.access_token_lifetime if str(body.get("expiring")) == "1" else None
        return self.tokens.issue(shop, self.clock(), lifetime).answer() | {"scope": SCOPES}

    def refresh(self, shop: str, body: dict[str, Any]) -> dict[str, Any]:
        """The refresh_token grant: a new pair, the refresh token rotated (see shopify_tokens)."""
        if body.get("client_id") != self.api_key or body.get("client_secret") != self.api_secret:
            raise SandboxError(HTTPStatus.UNAUTHORIZED, "invalid_client")
        grant = self.tokens.refresh(
            shop, str(body.get("refresh_token") or ""), self.clock(), self.access_token_lifetime
        )
        return grant.answer() | {"scope": SCOPES}

    # -- billing ---------------------------------------------------------------------------------

    def confirmation_url(self, subscription: SandboxSubscription) -> str:
        return f"{self.url}/{subscription.shop}/admin/charges/{subscription.id}/confirm"

    def decide_subscription(self, shop: str, subscription_id: int, approve: bool) -> SandboxSubscription:
        """The merchant approves (ACTIVE) or declines (DECLINED); app_subscriptions/update is sent.
        Approval replaces the shop's active subscription as Shopify does (one active subscription
        per shop; APPLY_IMMEDIATELY and STANDARD cancel the current one as the new one activates:
        shopify.dev/docs/api/admin-graphql/2025-10/enums/AppSubscriptionReplacementBehavior): the
        replaced one is CANCELLED at the same instant and both webhooks go out, the CANCELLED first
        when ``replaced_cancelled_first`` (Shopify promises no order among webhooks)."""
        state = self.state(shop)
        with self._lock:
            subscription = state.subscriptions.get(subscription_id)
            if subscription is None:
                raise SandboxError(HTTPStatus.NOT_FOUND, "no such charge")
            if subscription.status != "PENDING":
                return subscription
            now = datetime.now(UTC)
            replaced = [
                s
                for s in state.subscriptions.values()
                if approve and s.id != subscription.id and s.status in ("ACTIVE", "FROZEN")
            ]
            for old in replaced:
                old.status, old.updated_at, old.current_period_end = "CANCELLED", now, None
            subscription.status = "ACTIVE" if approve else "DECLINED"
            subscription.updated_at = now
            if approve:
                subscription.current_period_end = now + timedelta(days=subscription.period_days)
        if self.webhooks.url:
            news = [*replaced, subscription] if self.replaced_cancelled_first else [subscription, *replaced]
            for changed in news:
                self.send_app_subscription_update(shop, changed.id)
        return subscription

    # -- webhooks --------------------------------------------------------------------------------

    def send_webhook(
        self, shop: str, topic: str, payload: dict[str, Any], *, wrong_secret: bool = False
    ) -> int | None:
        """Deliver a signed webhook now; the receiver's HTTP status (None if unreachable)."""
        return self.webhooks.send(shop, topic, payload, wrong_secret=wrong_secret)

    def send_webhook_in_background(
        self, shop: str, topic: str, payload: dict[str, Any], *, wrong_secret: bool = False
    ) -> threading.Thread:
        return self.webhooks.send_in_background(shop, topic, payload, wrong_secret=wrong_secret)

    def send_product_create(
        self, shop: str, *, wrong_secret: bool = False
    ) -> tuple[SandboxProduct, int | None]:
        """Adds one generated product to the catalog and announces it."""
        state = self.state(shop)
        with self._lock:
            index = _next_index(state)
            product = generate_product(
                random.Random(f"{self.seed}:{shop}:{index}"), shop_number(shop), index, self.url
            )
            state.products[product.id] = product
        return product, self.send_webhook(
            shop, "products/create", payloads.product_payload(product), wrong_secret=wrong_secret
        )

    def edit_product(self, shop: str, product_id: int | str, **edits: Unpack[ProductEdits]) -> dict[str, Any]:
        """The merchant edits a product (see ``ProductEdits`` for what may change): the GraphQL API
        sees it at once; the products/update payload it would send is answered, not sent."""
        state = self.state(shop)
        product = self.product(shop, product_id)
        with self.graphql.lock, self._lock:  # in the order an operation takes them (next_id)
            taken = {v.sku for p in state.products.values() for v in p.variants}
            apply_edits(
                product, edits, locations=state.locations, cdn=self.url, taken_skus=taken, now=_utc_now()
            )
            return payloads.product_payload(product)

    def product_payload_of(self, shop: str, product_id: int | str) -> dict[str, Any]:
        """The products/update payload of the product as it is now (to deliver later, in any order)."""
        product = self.product(shop, product_id)
        with self.graphql.lock, self._lock:  # in the order an operation takes them (next_id)
            return payloads.product_payload(product)

    def send_product_update(
        self,
        shop: str,
        product_id: int | str,
        *,
        wrong_secret: bool = False,
        **edits: Unpack[ProductEdits],
    ) -> int | None:
        """``edit_product`` (with no edit, only updated_at moves), then products/update is sent."""
        payload = self.edit_product(shop, product_id, **edits)
        return self.send_webhook(shop, "products/update", payload, wrong_secret=wrong_secret)

    def send_product_delete(
        self, shop: str, product_id: int | str, *, wrong_secret: bool = False
    ) -> int | None:
        self.state(shop).products.pop(int(product_id), None)
        payload = payloads.product_delete_payload(int(product_id))
        return self.send_webhook(shop, "products/delete", payload, wrong_secret=wrong_secret)

    def send_inventory_level_update(
        self,
        shop: str,
        inventory_item_id: int | str,
        available: int,
        *,
        location_id: int | str | None = None,
        wrong_secret: bool = False,
    ) -> int | None:
        """Set an item's ``available`` at one location and send inventory_levels/update for it, as
        Shopify does per location. Without ``location_id`` the whole stock moves to the first
        location (the others hold none), so ``available`` is also the item's total."""
        state = self.state(shop)
        found = state.inventory_item(int(inventory_item_id))
        first = state.locations[0].id
        where = first if location_id is None else int(location_id)
        if where not in {location.id for location in state.locations}:
            raise KeyError(f"no location {location_id} in {shop}")
        if found is not None:
            variant = found[1]
            with self._lock:
                if location_id is None:
                    variant.levels = {location.id: 0 for location in state.locations}
                variant.set_available(where, available)
                variant.updated_at = datetime.now(UTC)
        payload = payloads.inventory_level_payload(
            int(inventory_item_id), where, available, datetime.now(UTC)
        )
        return self.send_webhook(shop, "inventory_levels/update", payload, wrong_secret=wrong_secret)

    def set_available(
        self, shop: str, inventory_item_id: int | str, location_id: int | str, available: int
    ) -> int | None:
        """A variant's ``available`` at a location; sends inventory_levels/update when the sandbox
        has a webhook_url (the receiver's status, else None)."""
        if self.webhooks.url:
            return self.send_inventory_level_update(
                shop, inventory_item_id, available, location_id=location_id
            )
        state = self.state(shop)
        found = state.inventory_item(int(inventory_item_id))
        if found is None:
            raise KeyError(f"no inventory item {inventory_item_id} in {shop}")
        if int(location_id) not in {location.id for location in state.locations}:
            raise KeyError(f"no location {location_id} in {shop}")
        with self._lock:
            found[1].set_available(int(location_id), available)
        return None

    def send_order_fulfilled(
        self,
        shop: str,
        order_id: int | str,
        *,
        tracking_number: str = "1Z999AA10123456784",
        tracking_company: str = "UPS",
        wrong_secret: bool = False,
    ) -> int | None:
        order = self.state(shop).orders.get(int(order_id))
        if order is None:
            raise KeyError(f"no order {order_id} in {shop}")
        payload = payloads.order_fulfilled_payload(
            order, tracking_number, tracking_company, datetime.now(UTC)
        )
        return self.send_webhook(shop, "orders/fulfilled", payload, wrong_secret=wrong_secret)

    def order(self, shop: str, order_id: int | str) -> SandboxOrder:
        """An order as the sandbox keeps it: its input, line items (ids, units taken per location,
        fulfilled and refunded quantities), cancellation, refunds and fulfillments."""
        found = self.state(shop).orders.get(int(order_id))
        if found is None:
            raise KeyError(f"no order {order_id} in {shop}")
        return found

    def fulfil(
        self,
        shop: str,
        order_id: int | str,
        line_items: Mapping[int | str, int] | None = None,
        tracking_number: str | None = "1Z999AA10123456784",
        tracking_company: str | None = "UPS",
    ) -> dict[str, Any]:
        """The merchant fulfils ``line_items`` ({line item id: quantity}; None: all that is left) with
        one fulfillment; fulfillments/create is sent, and orders/fulfilled once every line item is
        fulfilled (when the sandbox has a webhook_url). The fulfillment's REST payload."""
        order = self.order(shop, order_id)
        with self.graphql.lock, self._lock:
            wanted = (
                {line.id: line.unfulfilled for line in order.lines if line.unfulfilled}
                if line_items is None
                else {int(line_id): int(quantity) for line_id, quantity in line_items.items()}
            )
            for line_id, quantity in wanted.items():
                line = order.line(line_id)
                if line is None or not 0 < quantity <= line.unfulfilled:
                    raise ValueError(f"line item {line_id} has not {quantity} unit(s) left to fulfil")
            if not wanted:
                raise ValueError(f"order {order_id} has nothing left to fulfil")
            now = _utc_now()
            fulfillment = SandboxFulfillment(
                id=self.next_id(),
                order_id=order.id,
                name=f"{order.name}.{len(order.fulfillments) + 1}",
                created_at=now,
                updated_at=now,
                lines=wanted,
                tracking_company=tracking_company,
                tracking_numbers=[tracking_number] if tracking_number else [],
            )
            for line_id, quantity in wanted.items():
                line = order.line(line_id)
                assert line is not None
                line.fulfilled += quantity
            order.fulfillments.append(fulfillment)
            order.updated_at = now
            payload = payloads.fulfillment_payload(order, fulfillment)
            done = all(not line.unfulfilled for line in order.lines)
            whole = payloads.order_payload(order)
        if self.webhooks.url:
            self.send_webhook(shop, "fulfillments/create", payload)
            if done:
                self.send_webhook(shop, "orders/fulfilled", whole)
        return payload

    def update_tracking(
        self, shop: str, fulfillment_id: int | str, number: str, company: str | None = None
    ) -> dict[str, Any]:
        """The merchant changes a fulfillment's tracking number (and company); fulfillments/update is
        sent when the sandbox has a webhook_url. The fulfillment's REST payload."""
        with self.graphql.lock, self._lock:
            found = next(
                (
                    (order, f)
                    for order in self.state(shop).orders.values()
                    for f in order.fulfillments
                    if f.id == int(fulfillment_id)
                ),
                None,
            )
            if found is None:
                raise KeyError(f"no fulfillment {fulfillment_id} in {shop}")
            order, fulfillment = found
            fulfillment.tracking_numbers = [number]
            if company is not None:
                fulfillment.tracking_company = company
            fulfillment.updated_at = _utc_now()
            payload = payloads.fulfillment_payload(order, fulfillment)
        if self.webhooks.url:
            self.send_webhook(shop, "fulfillments/update", payload)
        return payload

    def send_app_subscription_update(
        self, shop: str, subscription_id: int | str, *, status: str | None = None, wrong_secret: bool = False
    ) -> int | None:
        subscription = self.state(shop).subscriptions.get(int(subscription_id))
        if subscription is None:
            raise KeyError(f"no subscription {subscription_id} in {shop}")
        if status is not None:
            subscription.status = status
            subscription.updated_at = datetime.now(UTC)
            active = status in ("ACTIVE", "FROZEN")
            period_end = subscription.updated_at + timedelta(days=subscription.period_days)
            subscription.current_period_end = (
                (subscription.current_period_end or period_end) if active else None
            )
        payload = payloads.app_subscription_payload(subscription, shop_number(shop))
        return self.send_webhook(shop, "app_subscriptions/update", payload, wrong_secret=wrong_secret)

    # -- GraphQL ---------------------------------------------------------------------------------

    def answer_graphql(self, shop: str, body: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL request; the webhooks its mutation caused (inventory_levels/update) are sent
        once it ran, before it is answered, when the sandbox has a webhook_url."""
        state = self.state(shop)
        caused: list[tuple[str, dict[str, Any]]] = []
        resolvers = Resolvers(
            state,
            _utc_now,
            self.next_id,
            self.confirmation_url,
            start_bulk=self._starter(state),
            contract=self.contract,
            notify=lambda topic, payload: caused.append((topic, payload)),
        )
        answer = self.graphql.answer(state, resolvers, body)
        if self.webhooks.url:
            for topic, payload in caused:
                self.send_webhook(shop, topic, payload)
        return answer

    # -- bulk operations -------------------------------------------------------------------------

    def fail_next_bulk_operation(self) -> None:
        """The next bulk query started ends FAILED with errorCode INTERNAL_SERVER_ERROR and no url."""
        with self._lock:
            self._fail_next_bulk = True

    def bulk_operations(self, shop: str) -> list[SandboxBulkOperation]:
        return list(self.state(shop).bulk_operations.values())

    def bulk_result_url(self, shop: str, operation_id: int, expires: int | None = None) -> str:
        """The signed url of an operation's file (what BulkOperation.url gives), valid until ``expires``."""
        path = f"/bulk-results/{shop}/{operation_id}.jsonl"
        expires = int(time.time()) + BULK_URL_LIFETIME if expires is None else expires
        signed = urlencode({"expires": expires, "signature": self._sign(path, expires)})
        return f"{self.url}{path}?{signed}"

    def bulk_result(self, shop: str, operation_id: int, expires: str, signature: str) -> bytes:
        """The file behind a signed url; 403 when the signature is wrong or has expired, else 404."""
        path = f"/bulk-results/{shop}/{operation_id}.jsonl"
        expected = self._sign(path, int(expires)) if expires.isdigit() else ""
        if not expected or not hmac.compare_digest(signature.encode(), expected.encode()):
            raise SandboxError(HTTPStatus.FORBIDDEN, "SignatureDoesNotMatch")
        if int(expires) < time.time():
            raise SandboxError(HTTPStatus.FORBIDDEN, "ExpiredToken")
        with self._lock:
            content = self._bulk_files.get((shop, operation_id))
        if content is None:
            raise SandboxError(HTTPStatus.NOT_FOUND, "NoSuchKey")
        return content

    def _count_bulk_download(self) -> None:
        with self._lock:
            self.bulk_downloads += 1

    def _sign(self, path: str, expires: int) -> str:
        return hmac.new(self._bulk_key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def _starter(self, state: ShopState) -> BulkStarter:
        def start(operation: SandboxBulkOperation, query: BulkQuery) -> None:
            with self._lock:
                fail, self._fail_next_bulk = self._fail_next_bulk, False
            deadline = time.monotonic() + self.bulk_seconds
            threading.Thread(
                target=self._run_bulk,
                args=(state, operation.id, query, deadline, fail),
                name=f"shopify-bulk-{operation.id}",
                daemon=True,
            ).start()

        return start

    def _run_bulk(
        self, state: ShopState, operation_id: int, query: BulkQuery, deadline: float, fail: bool
    ) -> None:
        """CREATED -> RUNNING -> COMPLETED (or FAILED), replacing the shop's record at each step."""

        def advance(**changes: Any) -> SandboxBulkOperation:
            updated = replace(state.bulk_operations[operation_id], **changes)
            state.bulk_operations[operation_id] = updated
            return updated

        operation = advance(status="RUNNING")
        # Every node, not one page: ``every`` in place of ``page``. Run under the endpoint's lock,
        # so the file is one consistent view of the shop's records.
        resolvers = Resolvers(
            state, _utc_now, self.next_id, self.confirmation_url, connection=every, contract=self.contract
        )
        file: BulkFile | None = None  # stays None when the operation fails
        try:
            result = self.graphql.execute_bulk(resolvers, query.document)
            if not (fail or result.errors or result.data is None):
                file = write_jsonl(query, result.data, operation.group_objects)
        except Exception:
            # A sandbox bug: still end the operation, or the shop could never start another one.
            advance(status="FAILED", error_code="INTERNAL_SERVER_ERROR")
            raise
        if file is None:
            time.sleep(max(0.0, deadline - time.monotonic()))
            advance(status="FAILED", error_code="INTERNAL_SERVER_ERROR")
            return
        url = None
        if file.object_count:  # Shopify gives no file (url null) when the query found nothing
            with self._lock:
                self._bulk_files[(state.shop, operation_id)] = file.content
            url = self.bulk_result_url(state.shop, operation_id)
        time.sleep(max(0.0, deadline - time.monotonic()))
        advance(
            object_count=file.object_count,
            root_object_count=file.root_object_count,
            file_size=len(file.content) if url else None,
            url=url,
            completed_at=_utc_now(),
            status="COMPLETED",
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _next_index(state: ShopState) -> int:
    """The catalog index after the highest product id (ids are base x 10**8 + index + 1)."""
    base = shop_number(state.shop) * 10**8
    return max((product.id for product in state.products.values()), default=base) - base


class _Handler(BaseHTTPRequestHandler):
    server_version = "shopify-sandbox"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; do not wait for an ACK
    sandbox: ShopifySandbox

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and `make run` read the sandbox's state, not its access log."""

    def handle(self) -> None:
        # A client that has read the part of a bulk file it wanted closes the connection with the
        # rest unread, as clients of a storage URL may: not an error worth a traceback.
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            for method, pattern, action in ROUTES:
                match = re.fullmatch(pattern, url.path)
                if match and method == self.command:
                    action(self, match.groupdict(), query, raw)
                    return
            raise SandboxError(HTTPStatus.NOT_FOUND, f"no route for {self.command} {url.path}")
        except SandboxError as error:
            self.send_json(error.status, {"errors": str(error)})
        except KeyError as error:
            self.send_json(HTTPStatus.NOT_FOUND, {"errors": str(error)})
        except (ValueError, json.JSONDecodeError) as error:
            self.send_json(HTTPStatus.BAD_REQUEST, {"errors": f"bad request: {error}"})

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, json.dumps(body, default=str).encode(), "application/json", headers)

    def send_bytes(
        self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # A client that gave up waiting (a timeout test), or that read the part of a bulk file it
        # wanted, has nothing left to be told.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _json_body(raw: bytes) -> dict[str, Any]:
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _access_token(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox, body = handler.sandbox, _json_body(raw)
    if body.get("grant_type") != REFRESH_GRANT:
        handler.send_json(HTTPStatus.OK, sandbox.exchange(params["shop"], body))
        return
    try:
        handler.send_json(HTTPStatus.OK, sandbox.refresh(params["shop"], body))
    except RefreshRefusedError as refused:  # OAuth's error answer (RFC 6749 5.2)
        handler.send_json(
            HTTPStatus.BAD_REQUEST, {"error": "invalid_grant", "error_description": str(refused)}
        )


def _graphql(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox, shop = handler.sandbox, params["shop"]
    token = handler.headers.get("X-Shopify-Access-Token", "")
    if not sandbox.tokens.admits(shop, token, sandbox.clock()):
        handler.send_json(HTTPStatus.UNAUTHORIZED, {"errors": INVALID_TOKEN})
        return
    body = _json_body(raw)
    fault = sandbox._take_fault(str(body.get("query", "")))
    if fault is not None and fault.status is not None:
        handler.send_json(fault.status, {"errors": "injected fault"})
        return
    answer = sandbox.answer_graphql(shop, body)
    if fault is not None and fault.delay:
        time.sleep(fault.delay)  # executed, but the answer comes too late for the client
    handler.send_json(HTTPStatus.OK, answer, {"X-Shopify-API-Version": params["version"]})


def _bulk_result(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    """A bulk query's file: no access token, a signed url instead; whole (200) or one range (206)."""
    sandbox = handler.sandbox
    content = sandbox.bulk_result(
        params["shop"], int(params["id"]), query.get("expires", ""), query.get("signature", "")
    )
    size = len(content)
    headers = {"Accept-Ranges": "bytes"}
    wanted = _byte_range(handler.headers.get("Range"))
    if wanted is not None and wanted[0] >= size:
        headers["Content-Range"] = f"bytes */{size}"
        handler.send_bytes(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", "application/jsonl", headers)
        return
    status, body = HTTPStatus.OK, content
    if wanted is not None:
        first, last = wanted[0], size - 1 if wanted[1] is None else min(wanted[1], size - 1)
        status, body = HTTPStatus.PARTIAL_CONTENT, content[first : last + 1]
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    sandbox._count_bulk_download()
    handler.send_bytes(status, body, "application/jsonl", headers)


def _byte_range(header: str | None) -> tuple[int, int | None] | None:
    """(first, last or None for the end) of one ``bytes=N-`` or ``bytes=N-M`` range. None when
    there is none or it is not of those forms: RFC 9110 lets a server ignore such a Range."""
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", (header or "").strip())
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    return None if last is not None and last < first else (first, last)


def _charge(approve: bool) -> Callable[[_Handler, dict[str, str], dict[str, str], bytes], None]:
    def action(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
        subscription = handler.sandbox.decide_subscription(params["shop"], int(params["id"]), approve)
        separator = "&" if "?" in subscription.return_url else "?"
        handler.redirect(f"{subscription.return_url}{separator}{urlencode({'charge_id': subscription.id})}")

    return action


def _control_help(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox = handler.sandbox
    deliveries = [delivery.__dict__ for delivery in sandbox.deliveries]
    body = {"routes": CONTROL_HELP, "throttled": sandbox.throttled_count, "deliveries": deliveries}
    handler.send_json(HTTPStatus.OK, body)


def _control_list(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox, shop = handler.sandbox, params["shop"]
    kind = params["kind"]
    if kind == "products":
        items: list[Any] = [
            {
                "id": p.id,
                "title": p.title[:80],
                "status": p.status,
                "defect": p.defect,
                "variants": [
                    {
                        "id": v.id,
                        "sku": v.sku,
                        "price": str(v.price),
                        "inventory_item_id": v.inventory_item_id,
                        "inventory_quantity": v.inventory_quantity,
                    }
                    for v in p.variants
                ],
            }
            for p in sandbox.catalog(shop)
        ]
    elif kind == "locations":
        items = [location.__dict__ for location in sandbox.locations(shop)]
    elif kind == "orders":
        items = [
            payloads.order_payload(o) | {"input": o.input, "options": o.options} for o in sandbox.orders(shop)
        ]
    else:
        items = [
            payloads.app_subscription_payload(s, shop_number(shop))["app_subscription"]
            for s in sandbox.subscriptions(shop)
        ]
    handler.send_json(HTTPStatus.OK, {kind: items})


def _control_token(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox, shop = handler.sandbox, params["shop"]
    if params["kind"] == "session-token":
        handler.send_json(HTTPStatus.OK, {"session_token": sandbox.mint_session_token(shop)})
    else:
        handler.send_json(HTTPStatus.OK, {"access_token": sandbox.issue_token(shop)})


def _control_webhook(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    sandbox, shop, kind = handler.sandbox, params["shop"], params["kind"]
    if not sandbox.webhooks.url:
        raise SandboxError(HTTPStatus.CONFLICT, "the sandbox was started without a webhook_url")
    wrong = query.get("wrong_secret") in ("1", "true")
    status: int | None
    if kind == "products-create":
        product, status = sandbox.send_product_create(shop, wrong_secret=wrong)
        query = {**query, "product_id": str(product.id)}
    elif kind == "products-update":
        status = sandbox.send_product_update(
            shop,
            query["product_id"],
            title=query.get("title"),
            status=query.get("status"),
            price=_decimal(query.get("price")),
            compare_at_price=_decimal(query.get("compare_at_price")),
            add_image=query.get("add_image") in ("1", "true"),
            remove_variant=query.get("remove_variant"),
            wrong_secret=wrong,
        )
    elif kind == "products-delete":
        status = sandbox.send_product_delete(shop, query["product_id"], wrong_secret=wrong)
    elif kind == "inventory-levels-update":
        available = int(query["available"])
        status = sandbox.send_inventory_level_update(
            shop,
            query["inventory_item_id"],
            available,
            location_id=query.get("location_id"),
            wrong_secret=wrong,
        )
    elif kind == "orders-fulfilled":
        extra = {"tracking_number": query["tracking_number"]} if "tracking_number" in query else {}
        status = sandbox.send_order_fulfilled(shop, query["order_id"], wrong_secret=wrong, **extra)
    elif kind == "fulfillments-create":
        fulfilled = sandbox.fulfil(
            shop,
            query["order_id"],
            tracking_number=query.get("tracking_number", "1Z999AA10123456784"),
            tracking_company=query.get("tracking_company", "UPS"),
        )
        status, query = None, {**query, "fulfillment_id": str(fulfilled["id"])}
    elif kind == "fulfillments-update":
        sandbox.update_tracking(
            shop, query["fulfillment_id"], query["tracking_number"], query.get("tracking_company")
        )
        status = None
    elif kind == "app-subscriptions-update":
        status = sandbox.send_app_subscription_update(
            shop, query["subscription_id"], status=query.get("status"), wrong_secret=wrong
        )
    else:
        raise SandboxError(HTTPStatus.NOT_FOUND, f"no webhook helper {kind}")
    handler.send_json(HTTPStatus.OK, {"receiver_status": status, **query})


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None


def _control_add_product(
    handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes
) -> None:
    product = handler.sandbox.add_product(params["shop"], _json_body(raw))
    handler.send_json(HTTPStatus.OK, product_ids(product))


def product_ids(product: SandboxProduct) -> dict[str, Any]:
    """A product's ids, as the control endpoint answers them."""
    return {
        "id": product.id,
        "variants": [
            {"id": v.id, "inventory_item_id": v.inventory_item_id, "sku": v.sku, "image_id": v.image_id}
            for v in product.variants
        ],
        "images": [{"id": i.id, "url": i.url} for i in product.images],
    }


def _cdn_image(handler: _Handler, params: dict[str, str], query: dict[str, str], raw: bytes) -> None:
    """A product image's bytes, no token needed (a CDN); the extension must be the image's own."""
    image = handler.sandbox.image(int(params["id"]))
    if params["ext"] != image.url.rsplit(".", 1)[-1].split("?", 1)[0]:
        raise SandboxError(HTTPStatus.NOT_FOUND, "no such file")
    content = image_bytes(image.format, image.width, image.height, image.min_bytes)
    handler.send_bytes(
        HTTPStatus.OK, content, CONTENT_TYPES[image.format], {"Cache-Control": "max-age=31536000"}
    )


Action = Callable[[_Handler, dict[str, str], dict[str, str], bytes], None]
ROUTES: list[tuple[str, str, Action]] = [
    ("POST", rf"/{SHOP}/admin/oauth/access_token", _access_token),
    ("POST", rf"/{SHOP}/admin/api/(?P<version>\d{{4}}-\d{{2}}|unstable)/graphql\.json", _graphql),
    ("GET", rf"/{SHOP}/admin/charges/(?P<id>\d+)/confirm", _charge(approve=True)),
    ("GET", rf"/{SHOP}/admin/charges/(?P<id>\d+)/decline", _charge(approve=False)),
    ("GET", rf"/bulk-results/{SHOP}/(?P<id>\d+)\.jsonl", _bulk_result),
    ("GET", r"/sandbox/?", _control_help),
    ("GET", rf"/sandbox/{SHOP}/(?P<kind>products|orders|subscriptions|locations)", _control_list),
    ("POST", rf"/sandbox/{SHOP}/products", _control_add_product),
    ("GET", r"/cdn/shop/files/(?P<id>\d+)\.(?P<ext>png|gif)", _cdn_image),
    ("POST", rf"/sandbox/{SHOP}/(?P<kind>session-token|access-token)", _control_token),
    ("POST", rf"/sandbox/{SHOP}/webhooks/(?P<kind>[a-z-]+)", _control_webhook),
]
