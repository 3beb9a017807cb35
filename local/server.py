"""The local API Gateway: one HTTP server on 127.0.0.1 that turns each request into the event the
deployed API hands its function (the REST API's v1 proxy event for the merchant's routes, the HTTP
API's payload 2.0 event for the webhook doors, as the route table says), calls the real handler
module named by the shared route table, and returns its response verbatim.
"""

from __future__ import annotations

import base64
import importlib
import json
import mimetypes
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from connector import routes
from connector.wiring import process_ports
from local.lambda_context import LocalLambdaContext
from local.service import LoopbackServer

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# The merchant's dashboard page (web/), served at / as CloudFront serves it on AWS.
WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
# Paths the page calls, which API Gateway answers preflights for (infra/components/api.py).
BROWSER_PATH_PREFIXES = ("/v1/", "/openapi.json")


def load_handler(function: str) -> Handler:
    """The lambda_handler of functions/<function>/handler.py, as Lambda would import it."""
    module = importlib.import_module(f"functions.{function}.handler")
    handler: Handler = module.lambda_handler
    return handler


def proxy_event(
    method: str,
    raw_path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    stage: str = "local",
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event for one HTTP request."""
    url = urlsplit(raw_path)
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(url.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    matched = routes.match(method, url.path)
    route, parameters = matched if matched else (None, {})
    text, is_base64 = _body_text(body)
    return {
        "resource": route.path if route else url.path,
        "path": url.path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "resourcePath": route.path if route else url.path,
            "httpMethod": method,
            "path": f"/{stage}{url.path}",
            "stage": stage,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": dict(headers).get("User-Agent", "")},
            "domainName": dict(headers).get("Host", "127.0.0.1"),
        },
        "body": text if body else None,
        "isBase64Encoded": is_base64,
    }


def _body_text(body: bytes) -> tuple[str, bool]:
    """The body as API Gateway hands it over: text as it is, anything else base64-encoded."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True


def function_url_event(
    method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
) -> dict[str, Any]:
    """A Lambda function URL's event (payload format 2.0) for one HTTP request: header names in
    lowercase, repeated headers joined by commas, the body base64-encoded unless it is text; no
    route (a function URL has none: the function takes every path and method).
    https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html"""
    url = urlsplit(raw_path)
    joined: dict[str, str] = {}
    for name, value in headers:
        joined[name.lower()] = f"{joined[name.lower()]},{value}" if name.lower() in joined else value
    route_key = "$default"
    text, is_base64 = _body_text(body)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": joined,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local-url-id",
            "domainName": joined.get("host", "127.0.0.1"),
            "domainPrefix": "local-url-id",
            "http": {
                "method": method,
                "path": url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    query: dict[str, str] = {}
    for name, value in parse_qsl(url.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    if query:
        event["queryStringParameters"] = query
    if body:
        event["body"] = text
    return event


EVENT_OF = {routes.Gateway.REST: proxy_event, routes.Gateway.FUNCTION_URL: function_url_event}


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "connector-local"
    protocol_version = "HTTP/1.1"
    handlers: dict[str, Handler]
    busy_seconds: dict[str, float]  # each function's time in its handler (added under its lock)
    # Like one Lambda execution environment per function: one invocation at a time (the handler
    # modules keep per-invocation state in module globals, as Lambda code may).
    locks: dict[str, threading.Lock]

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        matched = routes.match(self.command, path)
        if (
            self.command == "OPTIONS"
            and path.startswith(BROWSER_PATH_PREFIXES)
            and routes.allowed_methods(path)
        ):
            self._send_preflight(path)
            return
        if matched is None and self.command == "GET" and self._serve_local_only(path):
            return
        if matched is None:
            if routes.allowed_methods(path):
                self._send_error(
                    HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", f"{self.command} {path}"
                )
            else:
                self._send_error(HTTPStatus.NOT_FOUND, "not_found", f"no route for {path}")
            return
        make_event = EVENT_OF[matched[0].gateway]
        event = make_event(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
        function = matched[0].function
        try:
            with self.locks[function]:
                started = time.perf_counter()
                try:
                    result = self.handlers[function](event, LocalLambdaContext(function_name=function))
                finally:
                    self.busy_seconds[function] += time.perf_counter() - started
        except Exception:  # noqa: BLE001 - API Gateway too answers 502 when the function crashes
            traceback.print_exc()
            self._send_error(HTTPStatus.BAD_GATEWAY, "internal_error", "Internal server error")
            return
        self._send_result(result)

    def _serve_local_only(self, path: str) -> bool:
        """The dashboard page (S3/CloudFront on AWS) and, in local mode only, a session token for
        the demo shop (inside Shopify Admin, App Bridge supplies it)."""
        if path == "/local/session-token":
            from local.events import DEMO_SHOP
            from local.token import mint

            token = json.dumps({"token": mint(DEMO_SHOP)}).encode()
            # The page asks from its own origin, which is another one when served apart.
            self._send_bytes(HTTPStatus.OK, "application/json", token, self._allow_origin())
            return True
        relative = "index.html" if path == "/" else path.lstrip("/")
        file = (WEB_ROOT / relative).resolve()
        if not file.is_file() or WEB_ROOT not in file.parents:
            return False
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send_bytes(HTTPStatus.OK, content_type, file.read_bytes())
        return True

    def _allow_origin(self) -> dict[str, str]:
        """The header API Gateway's preflights and gateway responses carry: the page's origin."""
        page = urlsplit(process_ports().settings.dashboard_url)
        return {"Access-Control-Allow-Origin": f"{page.scheme}://{page.netloc}"}

    def _send_preflight(self, path: str) -> None:
        """API Gateway's mock integration for OPTIONS: the function never sees a preflight."""
        headers = {
            **self._allow_origin(),
            "Access-Control-Allow-Methods": ",".join(sorted(routes.allowed_methods(path))),
            "Access-Control-Allow-Headers": "Authorization,Content-Type",
            "Access-Control-Max-Age": "3600",
        }
        self._send_bytes(HTTPStatus.NO_CONTENT, "application/json", b"", headers)

    def _send_bytes(
        self, status: HTTPStatus, content_type: str, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status.value)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_result(self, result: dict[str, Any]) -> None:
        body = result.get("body") or ""
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        self.send_response(int(result.get("statusCode", 200)))
        for name, value in (result.get("headers") or {}).items():
            self.send_header(name, str(value))
        for name, values in (result.get("multiValueHeaders") or {}).items():
            if name not in (result.get("headers") or {}):
                for value in values:
                    self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_error(self, status: HTTPStatus, code: str, message: str) -> None:
        payload = json.dumps({"error": {"code": code, "message": message}}).encode()
        self._send_bytes(status, "application/json", payload, self._allow_origin())  # gateway responses

    def __getattr__(self, name: str) -> Any:
        # Every method reaches the route table (which answers 405 for the ones it lacks), as API
        # Gateway answers any method rather than 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines only (method, path, status): never headers or bodies.
        pass


class LocalApiServer(LoopbackServer):
    """The local API Gateway: every route of the shared table, each answered by its function's
    handler (one invocation at a time per function), on 127.0.0.1:``port`` (0: a free one)."""

    def __init__(self, port: int = 0) -> None:
        handlers = {name: load_handler(name) for name in routes.functions_served()}
        locks = {name: threading.Lock() for name in handlers}
        # What Lambda bills as duration: the handler's own time, not the HTTP around it.
        self.busy_seconds = dict.fromkeys(handlers, 0.0)
        attributes = {"handlers": handlers, "locks": locks, "busy_seconds": self.busy_seconds}
        request_handler = type("RequestHandler", (_RequestHandler,), attributes)
        super().__init__(request_handler, "local-api", port)
