"""The message a verified webhook becomes on the events queue: one model for every door."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from connector.webhooks.errors import MalformedWebhookError


class Source(StrEnum):
    SHOPIFY = "shopify"
    TIKTOK = "tiktok"


class QueuedWebhook(BaseModel):
    """A verified delivery. ``body`` is the sender's JSON text verbatim, so nothing (large ids
    included) is lost between the door and the processor."""

    model_config = ConfigDict(frozen=True)

    source: Source
    delivery_id: str  # the sender's delivery id: the dedupe key
    shop: str  # the Shopify domain the delivery belongs to
    topic: str  # Shopify topic, or TikTok type as text
    occurred_at: int  # the sender's own timestamp (epoch seconds)
    body: str


def body_digest(raw_body: bytes) -> str:
    """A stand-in delivery id for senders that omit theirs: equal bodies are the same delivery."""
    return "sha256-" + hashlib.sha256(raw_body).hexdigest()


def parse_json_object(raw_body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 naming what is wrong."""
    if not raw_body:
        raise MalformedWebhookError("body is empty")
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError is a ValueError too
        raise MalformedWebhookError("body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhookError("body is not a JSON object")
    return payload


def validation_message(error: ValidationError) -> str:
    """Which fields are missing or wrong, without echoing their values (they may be personal data)."""
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()[:5]]
    return "; ".join(problems)
