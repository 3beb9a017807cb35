"""The sample webhooks in events/: signed like their senders sign them, as HTTP requests or as the
function URL events (payload 2.0) those requests become at the doors. Used by the tests
and by `make run`'s demo replay.

`python -m local.events` rewrites the derived samples (API Gateway events, an SQS batch) from the
webhook samples with the local secrets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from connector.webhooks import shopify_delivery, tiktok_delivery
from connector.webhooks.signatures import shopify_signature, tiktok_signature
from local.dynamodb import LOCAL_APP_CONFIG
from local.server import function_url_event

EVENTS = Path(__file__).resolve().parent.parent / "events"
DEMO_SHOP = "demo-shop.myshopify.com"
DEMO_TIKTOK_SHOP_ID = "7494049642642441621"


@dataclass(frozen=True)
class SignedRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    def post(self, base_url: str) -> requests.Response:
        return requests.post(base_url + self.path, data=self.body, headers=self.headers, timeout=10)

    def door_event(self) -> dict[str, Any]:
        """The event the door's function URL hands its function."""
        return function_url_event("POST", self.path, list(self.headers.items()), self.body, "127.0.0.1")


def _secret(name: str) -> str:
    return os.environ.get(name) or LOCAL_APP_CONFIG[name]


def load(relative: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / relative).read_text())
    return document


def shopify_request(
    topic_file: str, *, body: dict[str, Any] | None = None, secret: str | None = None, **header_overrides: str
) -> SignedRequest:
    """A Shopify webhook from events/webhooks/shopify/<topic_file>.json, signed (optionally with
    another body, secret or headers)."""
    sample = load(f"webhooks/shopify/{topic_file}.json")
    raw = json.dumps(body if body is not None else sample["body"]).encode()
    headers = {**sample["headers"], **header_overrides}
    headers["X-Shopify-Hmac-Sha256"] = shopify_signature(raw, secret or _secret("SHOPIFY_API_SECRET"))
    return SignedRequest("/webhooks/shopify", headers, raw)


def tiktok_request(
    type_file: str, *, body: dict[str, Any] | None = None, secret: str | None = None
) -> SignedRequest:
    """A TikTok webhook from events/webhooks/tiktok/<type_file>.json, signed like TikTok signs."""
    sample = load(f"webhooks/tiktok/{type_file}.json")
    raw = json.dumps(body if body is not None else sample["body"]).encode()
    signature = tiktok_signature(raw, _secret("TIKTOK_APP_KEY"), secret or _secret("TIKTOK_APP_SECRET"))
    headers = {"Content-Type": "application/json", "Authorization": signature}
    return SignedRequest("/webhooks/tiktok", headers, raw)


def replayable() -> Iterator[SignedRequest]:
    """Every sample marked for replay (not the ones that would uninstall or erase the demo shop)."""
    for path in sorted((EVENTS / "webhooks" / "shopify").glob("*.json")):
        if json.loads(path.read_text()).get("replay", True):
            yield shopify_request(path.stem)
    for path in sorted(
        (EVENTS / "webhooks" / "tiktok").glob("*.json"), key=lambda p: int(p.stem.split("-")[1])
    ):
        if json.loads(path.read_text()).get("replay", True):
            yield tiktok_request(path.stem)


def write_derived_samples() -> None:
    """Function URL events for both doors and an SQS batch for the processor, from the samples."""
    doors = EVENTS / "function_url"
    doors.mkdir(exist_ok=True)
    create = shopify_request("products-create")
    order = tiktok_request("type-1")
    for name, request in (("shopify-products-create", create), ("tiktok-order-status", order)):
        (doors / f"{name}.json").write_text(json.dumps(request.door_event(), indent=2) + "\n")
    # What the doors queue for them (the TikTok door names only the TikTok shop).
    lowered = {name.lower(): value for name, value in create.headers.items()}
    messages = [
        shopify_delivery.from_https(lowered, create.body, _secret("SHOPIFY_API_SECRET")).message(1795700000),
        tiktok_delivery.from_https(
            {"authorization": order.headers["Authorization"]},
            order.body,
            _secret("TIKTOK_APP_KEY"),
            _secret("TIKTOK_APP_SECRET"),
        ).message(),
    ]
    batch = {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197991234{i}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i}",
                "body": m,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795700000000"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:connector-events",
                "awsRegion": "us-east-1",
            }
            for i, m in enumerate(messages)
        ]
    }
    (EVENTS / "sqs" / "processor-batch.json").write_text(json.dumps(batch, indent=2) + "\n")


if __name__ == "__main__":
    write_derived_samples()
