"""Every request the TikTok client can send is one TikTok's published reference describes (the
vendored specs in local/contracts/tiktok); Shopify's side is tests/integration/test_shopify_contract.py,
which validates every document of the client against the real Admin schema. (Token get and refresh
go to TikTok's auth host, which its authorization guide describes, not an API spec.)"""

from __future__ import annotations

import ast
from pathlib import Path

from local.sandboxes.tiktok_contract import Match, match

ROOT = Path(__file__).resolve().parents[2]
TIKTOK_CLIENT = ROOT / "layers/connector/python/connector/clients/tiktok"
METHODS = ("GET", "POST", "PUT", "DELETE")


def _client_requests() -> set[tuple[str, str]]:
    """(method, path) of every call in the client's code that names a method and a path literal; a
    path parameter becomes a sample value (``{product_id}`` -> ``1``)."""
    found: set[tuple[str, str]] = set()
    for module in TIKTOK_CLIENT.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            method, path = node.args[0], _sample_path(node.args[1])
            if path is None:
                continue
            if isinstance(method, ast.Constant) and method.value in METHODS:
                found.add((method.value, path))
    for node in ast.walk(ast.parse((TIKTOK_CLIENT / "shop.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "_product_action":
            found.add(("POST", _sample_path(node.args[0]) or ""))  # a product action is a POST
    return found


def _sample_path(node: ast.expr) -> str | None:
    """The path a literal or f-string names (None for anything else, e.g. a base URL attribute)."""
    if isinstance(node, ast.Constant) and str(node.value).startswith("/"):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else "1" for part in node.values)
    return None


def test_the_client_makes_the_calls_this_test_knows_of() -> None:
    calls = _client_requests()
    assert len(calls) >= 15, sorted(calls)  # a change in how the client names its calls shows here


def test_every_call_of_the_tiktok_client_has_its_reference_spec() -> None:
    uncovered = [
        (method, path)
        for method, path in sorted(_client_requests())
        if not isinstance(match(method, path), Match)
    ]
    assert uncovered == []
