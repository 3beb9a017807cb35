"""The TikTok sandbox on the wire: the table of API routes, JSON bodies and TikTok's answer envelope,
and the request handler that sends each path to the authorize page, the auth host, the control
endpoints or the API host.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from local.sandboxes.tiktok_catalog import Catalog
from local.sandboxes.tiktok_codes import OK, UNKNOWN_PATH, ApiFailure, JsonObject
from local.sandboxes.tiktok_orders import Orders, api_shipping_providers
from local.sandboxes.tiktok_products import Products
from local.sandboxes.tiktok_state import api_shops

if TYPE_CHECKING:
    from local.sandboxes.tiktok import TikTokSandbox


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: str  # the whole path matches it
    handler: Callable[..., JsonObject]  # (shop, query, body, *path params) -> data
    needs_cipher: bool = True


UPLOAD_PATH = r"/product/202309/images/upload"
CATEGORY_PATH = r"/product/202309/categories/(\d+)"


def api_routes(products: Products, orders: Orders, catalog: Catalog) -> tuple[Route, ...]:
    """The API host's endpoints; the first whose method and pattern match a call answers it."""
    return (
        Route("shops", "GET", r"/authorization/202309/shops", api_shops, needs_cipher=False),
        Route("images/upload", "POST", UPLOAD_PATH, catalog.api_upload_image, needs_cipher=False),
        Route("logistics/warehouses", "GET", r"/logistics/202309/warehouses", catalog.api_warehouses),
        Route("categories", "GET", r"/product/202309/categories", catalog.api_categories),
        Route("categories/attributes", "GET", f"{CATEGORY_PATH}/attributes", catalog.api_attributes),
        Route("categories/rules", "GET", f"{CATEGORY_PATH}/rules", catalog.api_rules),
        Route("products/search", "POST", r"/product/202309/products/search", products.api_search_products),
        Route("products/activate", "POST", r"/product/202309/products/activate", products.api_activate),
        Route("products/deactivate", "POST", r"/product/202309/products/deactivate", products.api_deactivate),
        Route(
            "products/inventory",
            "POST",
            r"/product/202309/products/(\d+)/inventory/update",
            products.api_update_inventory,
        ),
        Route(
            "products/partial_edit",
            "POST",
            r"/product/202309/products/(\d+)/partial_edit",
            products.api_partial_edit,
        ),
        Route(
            "products/prices",
            "POST",
            r"/product/202309/products/(\d+)/prices/update",
            products.api_update_prices,
        ),
        Route("products/delete", "DELETE", r"/product/202309/products", products.api_delete_products),
        Route(
            "logistics/shipping_providers",
            "GET",
            r"/logistics/202309/delivery_options/(\d+)/shipping_providers",
            api_shipping_providers,
        ),
        Route("products/get", "GET", r"/product/202309/products/(\d+)", products.api_get_product),
        Route("products/create", "POST", r"/product/202309/products", products.api_create_product),
        Route("orders/search", "POST", r"/order/202309/orders/search", orders.api_search_orders),
        Route("orders/detail", "GET", r"/order/202309/orders", orders.api_order_detail),
        Route("orders/cancel", "POST", r"/return_refund/202309/cancellations", orders.api_cancel_order),
        Route("packages/ship", "POST", r"/fulfillment/202309/packages/(\d+)/ship", orders.api_ship_package),
    )


def find_route(routes: tuple[Route, ...], method: str, path: str) -> tuple[Route, tuple[str, ...]]:
    for route in routes:
        match = re.fullmatch(route.pattern, path)
        if match and route.method == method:
            return route, match.groups()
    raise ApiFailure(UNKNOWN_PATH, f"Unknown path {method} {path}", HTTPStatus.NOT_FOUND)


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
        if self.sandbox.faults.response_delay_seconds:
            time.sleep(self.sandbox.faults.response_delay_seconds)  # processed, answered late
        self._send(HTTPStatus.OK, _envelope(OK, "Success", data))

    def _authorize(self, query: dict[str, str]) -> None:
        sandbox = self.sandbox
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
