"""The HTTP route table: which function answers which method and path.

Read by the local server (local/server.py) and by the CDK API construct, so the routing that
`make run` plays and the routing API Gateway deploys cannot drift apart. Paths may hold API
Gateway style parameters (``/v1/products/{product_id}/activate``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property

from connector.values import Value


class Gateway(StrEnum):
    """Which API Gateway API serves a route, and so the event its function takes."""

    REST = "rest"  # the merchant's API: REST (payload 1.0 proxy events), its CORS and gateway answers
    # The webhook doors: each on its Lambda function URL (payload 2.0 events, no gateway charge);
    # the path is the local server's (on AWS each door has its own host).
    FUNCTION_URL = "function_url"


class Route(Value, frozen=True, dict=True):  # dict: room for the cached pattern
    method: str
    path: str
    function: str  # folder name under functions/
    gateway: Gateway = Gateway.REST

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\{[a-z_]+\})", self.path)
        regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        return re.compile(f"^{regex}$")

    def parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters when ``path`` matches this route, else None."""
        found = self._pattern.match(path)
        return None if found is None else found.groupdict()


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "dashboard"),
    Route("GET", "/openapi.json", "dashboard"),
    Route("GET", "/v1/dashboard", "dashboard"),
    Route("GET", "/v1/sales", "dashboard"),
    Route("GET", "/v1/products", "dashboard"),
    Route("POST", "/v1/products/upload", "dashboard"),
    Route("POST", "/v1/products/{product_id}/activate", "dashboard"),
    Route("POST", "/v1/products/{product_id}/deactivate", "dashboard"),
    Route("GET", "/v1/products/{product_id}/listing", "dashboard"),
    Route("PUT", "/v1/products/{product_id}/listing", "dashboard"),
    Route("GET", "/v1/orders", "dashboard"),
    Route("POST", "/v1/orders/{order_id}/cancel", "dashboard"),
    Route("POST", "/v1/orders/{order_id}/retry", "dashboard"),
    Route("GET", "/v1/orders/history", "dashboard"),
    Route("GET", "/v1/activities", "dashboard"),
    Route("POST", "/v1/imports", "dashboard"),
    Route("GET", "/v1/settings", "dashboard"),
    Route("PUT", "/v1/settings", "dashboard"),
    Route("GET", "/v1/onboarding", "dashboard"),
    Route("POST", "/v1/connections/tiktok", "dashboard"),
    Route("DELETE", "/v1/connections/tiktok", "dashboard"),
    Route("POST", "/v1/connections/tiktok/complete", "dashboard"),
    Route("POST", "/v1/connections/tiktok/shop", "dashboard"),
    Route("GET", "/auth/tiktok/callback", "dashboard"),
    Route("GET", "/v1/plan", "dashboard"),
    Route("POST", "/v1/plan/upgrade", "dashboard"),
    Route("POST", "/webhooks/shopify", "shopify_webhook", Gateway.FUNCTION_URL),
    Route("POST", "/webhooks/tiktok", "tiktok_webhook", Gateway.FUNCTION_URL),
)


def routes_of(gateway: Gateway) -> tuple[Route, ...]:
    return tuple(route for route in ROUTES if route.gateway is gateway)


def functions_served(gateway: Gateway | None = None) -> tuple[str, ...]:
    """The functions that sit behind one API (or either), each once, in table order."""
    served = ROUTES if gateway is None else routes_of(gateway)
    return tuple(dict.fromkeys(route.function for route in served))


def path_of(function: str) -> str:
    """The path of the one route a function serves (a webhook door's address under the API)."""
    (path,) = {route.path for route in ROUTES if route.function == function}
    return path


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route and its path parameters for a request, or None."""
    for route in ROUTES:
        if route.method == method.upper():
            parameters = route.parameters(path)
            if parameters is not None:
                return route, parameters
    return None


def allowed_methods(path: str) -> tuple[str, ...]:
    return tuple(route.method for route in ROUTES if route.parameters(path) is not None)
