"""Shopify webhooks in: HTTPS (the door's function URL) and the EventBridge partner bus, one parser,
one queue. Whether the shop is known and installed is the processor's to decide, with the batch's
other reads: the door reads no table."""

from __future__ import annotations

import time
from typing import Any

from connector.metric_names import Metric
from connector.secrets import Secret
from connector.webhooks import door, shopify_delivery
from connector.webhooks.envelope import Acceptance
from connector.wiring import Ports


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "detail-type" in event:  # the EventBridge door
        return {"status": _accept(ports, shopify_delivery.from_eventbridge(event))}

    def accept(request: door.Request) -> str:
        secret = ports.secret(Secret.SHOPIFY_API_SECRET)
        return _accept(ports, shopify_delivery.from_https(request.headers, request.body, secret))

    return door.serve(event, accept)


def _accept(ports: Ports, delivery: shopify_delivery.ShopifyDelivery) -> str:
    if delivery.subscribed:
        ports.events.send(delivery.message(received_at=int(time.time())))
        return Acceptance.QUEUED.value  # counted by the processor as it takes it (no line here)
    fields = {"topic": delivery.topic, "shop": delivery.shop}
    door.report(Metric.SHOPIFY_WEBHOOK, Acceptance.UNSUBSCRIBED, "shopify webhook", **fields)
    return Acceptance.UNSUBSCRIBED.value


lambda_handler = door.entry_point(lambda_handler_with)
