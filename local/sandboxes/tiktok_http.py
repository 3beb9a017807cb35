"""The TikTok sandbox on the wire: the table of API routes, JSON bodies and TikTok's answer envelope,
and the request handler that sends each path to the authorize page, the auth host, the control
endpoints or the API host.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from local.sandboxes.tiktok_aftersales import AfterSales
from local.sandboxes.tiktok_catalog import Catalog
from local.sandboxes.tiktok_codes import OK, UNKNOWN_PATH, ApiFailure, JsonObject
from local.sandboxes.tiktok_contract import Checked
from local.sandboxes.tiktok_fulfillment import Fulfillment
from local.sandboxes.tiktok_orders import Orders, api_shipping_providers
from local.sandboxes.tiktok_products import Products
from local.sandboxes.tiktok_state import Accounts, authorized_shops
from local.sandboxes.tiktok_webhooks import WebhookSender

if TYPE_CHECKING:
    from local.sandboxes.tiktok import TikTokSandbox


# TikTok's two authorization hosts, played on paths of the sandbox: path -> the US host.
AUTHORIZE_PAGES = {"/open/authorize": False, "/us/open/authorize": True}


@dataclass(frozen=True)
class Route:
    name: str
    title: str  # the endpoint's title in TikTok's reference, which the contract check matched the call to
    handler: Callable[..., JsonObject]  # (shop, query, body, *path params) -> data
    needs_cipher: bool = True


def api_routes(
    products: Products,
    orders: Orders,
    catalog: Catalog,
    fulfillment: Fulfillment,
    aftersales: AfterSales,
    accounts: Accounts,
    webhooks: WebhookSender,
) -> dict[str, Route]:
    """The API host's endpoints by the reference's title: a call reaches the handler of the endpoint
    the contract check matched it to, at whichever version TikTok documents or still serves."""
    routes = (
        Route("shops", "Get Authorized Shops", authorized_shops(accounts), needs_cipher=False),
        Route("images/upload", "Upload Product Image", catalog.api_upload_image, needs_cipher=False),
        Route("logistics/warehouses", "Get Warehouse List", catalog.api_warehouses),
        Route("categories", "Get Categories", catalog.api_categories),
        Route("categories/attributes", "Get Attributes", catalog.api_attributes),
        Route("categories/rules", "Get Category Rules", catalog.api_rules),
        # shop_cipher is optional in Recommend Category's reference (checked when given).
        Route("categories/recommend", "Recommend Category", catalog.api_recommend, needs_cipher=False),
        Route("brands", "Get Brands", catalog.api_brands),
        Route("products/search", "Search Products", products.api_search_products),
        Route("products/activate", "Activate Product", products.api_activate),
        Route("products/deactivate", "Deactivate Products", products.api_deactivate),
        Route("products/inventory", "Update Inventory", products.api_update_inventory),
        Route("products/partial_edit", "Partial Edit Product", products.api_partial_edit),
        Route("products/prices", "Update Price", products.api_update_prices),
        Route("products/delete", "Delete Products", products.api_delete_products),
        Route("logistics/shipping_providers", "Get Shipping Providers", api_shipping_providers),
        Route("products/get", "Get Product", products.api_get_product),
        Route("products/create", "Create Product", products.api_create_product),
        Route("orders/search", "Get Order List", orders.api_search_orders),
        Route("orders/detail", "Get Order Detail", orders.api_order_detail),
        Route("orders/price_detail", "Get Price Detail", orders.api_price_detail),
        Route("orders/cancel", "Cancel Order", aftersales.api_cancel_order),
        Route("cancellations/search", "Search Cancellations", aftersales.api_search_cancellations),
        Route("returns/search", "Search Returns", aftersales.api_search_returns),
        Route("packages/ship", "Ship Package", fulfillment.api_ship_package),
        Route("orders/packages", "Mark Package As Shipped", fulfillment.api_mark_shipped),
        Route("packages/get", "Get Package Detail", fulfillment.api_package_detail),
        Route("orders/tracking", "Get Tracking", fulfillment.api_tracking),
        Route("webhooks/get", "Get Shop Webhooks", webhooks.api_get_webhooks),
        Route("webhooks/update", "Update Shop Webhook", webhooks.api_update_webhook),
        Route("webhooks/delete", "Delete Shop Webhook", webhooks.api_delete_webhook),
    )
    return {route.title: route for route in routes}


def find_route(
    routes: Mapping[str, Route], checked: Checked, method: str, path: str
) -> tuple[Route, tuple[str, ...]]:
    """The handler of the endpoint the call was matched to, and its path parameters in order; an
    endpoint the reference has but the sandbox does not serve is an unknown path to it."""
    found = checked.match
    route = routes.get(found.endpoint.title) if found is not None else None
    if found is None or route is None:
        raise ApiFailure(UNKNOWN_PATH, f"Unknown path {method} {path}", HTTPStatus.NOT_FOUND)
    return route, tuple(found.path_params.values())


def json_body(body: bytes) -> JsonObject:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        raise ApiFailure(36009004, "The body is not JSON") from None
    if not isinstance(loaded, dict):
        raise ApiFailure(36009004, "The body is not a JSON object")
    return loaded


def _envelope(code: int, message: str, data: JsonObject | None = None) -> bytes:
    body = {"code": code, "message": message, "request_id": uuid.uuid4().hex.upper(), "data": data or {}}
    return json.dumps(body).encode()


def handler_for(sandbox: TikTokSandbox) -> type[BaseHTTPRequestHandler]:
    return type("_BoundHandler", (_Handler,), {"sandbox": sandbox})


class _Handler(BaseHTTPRequestHandler):
    server_version = "TikTokSandbox/1.0"
    sandbox: TikTokSandbox

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: requests carry tokens

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")  # TikTok's Edit Product; here so a wrong method meets the contract

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        sandbox = self.sandbox
        url = urlsplit(self.path)
        path = unquote(url.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path in AUTHORIZE_PAGES:
            self._authorize(query, us_host=AUTHORIZE_PAGES[path])
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
        if self.sandbox.faults.response_delay_seconds:
            time.sleep(self.sandbox.faults.response_delay_seconds)  # processed, answered late
        self._send(HTTPStatus.OK, _envelope(OK, "Success", data))

    def _authorize(self, query: dict[str, str], *, us_host: bool) -> None:
        """TikTok's authorization page (guides/authorization-overview-202407.md): the link names the
        app's service_id; the seller signs in on their region's host, approves (or declines), and is
        sent to the redirect URL registered for the app, with the code and the state. Which seller
        signs in is the test's ``shop_id`` (the default shop otherwise); ``decision=deny`` declines."""
        sandbox = self.sandbox
        if query.get("service_id") != sandbox.service_id or not sandbox.redirect_url:
            self._send(
                HTTPStatus.BAD_REQUEST, b'{"error":"unknown service_id, or no redirect URL registered"}'
            )
            return
        shop_id = query.get("shop_id") or None
        if shop_id is not None and shop_id not in sandbox.shops:
            self._send(HTTPStatus.BAD_REQUEST, json.dumps({"error": "unknown shop_id"}).encode())
            return
        shop = sandbox.shops[shop_id or sandbox.default_shop.shop_id]
        if (shop.region == "US") != us_host:
            message = "this seller signs in on the other region's authorization page"
            self._send(HTTPStatus.BAD_REQUEST, json.dumps({"error": message}).encode())
            return
        state = query.get("state", "")
        if query.get("decision") == "deny":
            params = urlencode({"code": "null", "error": "auth_denied", "state": state})
        else:
            params = urlencode({"code": sandbox.authorize(shop.shop_id), "state": state})
        redirect = sandbox.redirect_url
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", f"{redirect}{'&' if '?' in redirect else '?'}{params}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _control(self, method: str, path: str, body: bytes) -> None:
        try:
            payload = json_body(body) if method in ("POST", "DELETE") else {}
            answer = self.sandbox.handle_control(method, path, payload)
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
