"""The local API Gateway builds the events API Gateway sends: REST (v1) proxy events for the merchant's
routes, function URL (payload 2.0) events for the webhook doors."""

from __future__ import annotations

import base64

from connector import routes
from local.server import function_url_event, proxy_event


def test_text_request_becomes_a_v1_proxy_event() -> None:
    headers = [
        ("Host", "127.0.0.1:3000"),
        ("X-Dup", "1"),
        ("X-Dup", "2"),
        ("Content-Type", "application/json"),
    ]
    event = proxy_event("POST", "/health?a=1&a=2&b=", headers, b'{"x": 1}', "127.0.0.1")

    assert event["httpMethod"] == "POST"
    assert event["path"] == "/health"
    assert event["resource"] == "/health"
    assert event["body"] == '{"x": 1}'
    assert event["isBase64Encoded"] is False
    assert event["headers"]["X-Dup"] == "2"
    assert event["multiValueHeaders"]["X-Dup"] == ["1", "2"]
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["stage"] == "local"


def test_binary_body_is_handed_over_base64_encoded() -> None:
    raw = b"\xff\xfe\x00binary"
    event = proxy_event("POST", "/health", [], raw, "127.0.0.1")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_route_table_names_existing_functions_once() -> None:
    served = routes.functions_served()
    assert len(served) == len(set(served))
    assert routes.match("get", "/health") == (routes.Route("GET", "/health", "dashboard"), {})
    assert routes.match("POST", "/health") is None
    assert routes.allowed_methods("/health") == ("GET",)


def test_path_parameters_are_matched_and_handed_over() -> None:
    matched = routes.match("POST", "/v1/products/8001234567890123456/activate")
    assert matched is not None
    assert matched[1] == {"product_id": "8001234567890123456"}
    assert routes.match("POST", "/v1/products/a/b/activate") is None
    event = proxy_event("POST", "/v1/orders/576/cancel", [], b"{}", "127.0.0.1")
    assert event["pathParameters"] == {"order_id": "576"}
    assert event["resource"] == "/v1/orders/{order_id}/cancel"


def test_a_door_request_becomes_a_function_url_payload_2_0_event() -> None:
    headers = [("Content-Type", "application/json"), ("X-Dup", "1"), ("x-dup", "2"), ("Host", "127.0.0.1")]
    event = function_url_event("POST", "/webhooks/shopify?a=1", headers, b'{"x": 1}', "127.0.0.1")

    assert (event["version"], event["routeKey"], event["rawPath"]) == ("2.0", "$default", "/webhooks/shopify")
    assert "pathParameters" not in event  # a function URL has no routes
    assert event["headers"] == {"content-type": "application/json", "x-dup": "1,2", "host": "127.0.0.1"}
    assert (event["body"], event["isBase64Encoded"]) == ('{"x": 1}', False)
    assert event["requestContext"]["http"] == {
        "method": "POST",
        "path": "/webhooks/shopify",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }
    binary = function_url_event("POST", "/webhooks/tiktok", [], b"\xff\x00", "127.0.0.1")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\xff\x00"


def test_the_doors_are_on_function_urls_and_the_merchants_routes_on_the_rest_api() -> None:
    assert {route.gateway for route in routes.ROUTES if route.function.endswith("_webhook")} == {
        routes.Gateway.FUNCTION_URL
    }
    assert {route.gateway for route in routes.ROUTES if route.function == "dashboard"} == {
        routes.Gateway.REST
    }
