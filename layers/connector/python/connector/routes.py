"""The HTTP route table: which function answers which method and path.

Read by the local server (local/server.py) and by the CDK API construct, so the routing that
`make run` plays and the routing API Gateway deploys cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # folder name under functions/


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "dashboard"),
    Route("POST", "/webhooks/shopify", "shopify_webhook"),
    Route("POST", "/webhooks/tiktok", "tiktok_webhook"),
)


def functions_served() -> tuple[str, ...]:
    """The functions that sit behind API Gateway, each once, in table order."""
    return tuple(dict.fromkeys(route.function for route in ROUTES))


def match(method: str, path: str) -> Route | None:
    """The route for an exact method and path (the table has no path parameters)."""
    for route in ROUTES:
        if route.method == method.upper() and route.path == path:
            return route
    return None


def allowed_methods(path: str) -> tuple[str, ...]:
    return tuple(route.method for route in ROUTES if route.path == path)
