"""The message a verified webhook becomes on the events queue, as the processor reads it. The doors
build the same JSON without pydantic (webhooks/envelope.py: queued_message)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from connector.webhooks.envelope import Source

__all__ = ["QueuedWebhook", "Source"]


class QueuedWebhook(BaseModel):
    """A verified delivery. ``body`` is the sender's JSON with the fields the processor reads, ids
    exactly as sent."""

    model_config = ConfigDict(frozen=True)

    source: Source
    delivery_id: str  # the sender's delivery id: the dedupe key
    # The Shopify domain the delivery belongs to. A TikTok door names only the TikTok shop
    # (tiktok_shop_id): the processor finds its Shopify shop (empty until then, or when none).
    shop: str = ""
    tiktok_shop_id: str | None = None
    topic: str  # Shopify topic, or TikTok type as text
    occurred_at: int  # the sender's own timestamp (epoch seconds)
    body: str
