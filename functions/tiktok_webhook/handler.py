"""TikTok Shop webhooks in: verify, check, queue, answer within TikTok's 3 s. Which Shopify shop the
TikTok shop is, and whether it is installed, is the processor's to find, with the batch's other
reads: the door reads no table."""

from __future__ import annotations

from typing import Any

from connector.metric_names import Metric
from connector.secrets import Secret
from connector.webhooks import door, tiktok_delivery
from connector.webhooks.envelope import Acceptance
from connector.wiring import Ports


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: Any) -> dict[str, Any]:
    def accept(request: door.Request) -> str:
        app_key, app_secret = ports.settings.tiktok_app_key, ports.secret(Secret.TIKTOK_APP_SECRET)
        delivery = tiktok_delivery.from_https(request.headers, request.body, app_key, app_secret)
        if delivery.subscribed:
            ports.events.send(delivery.message())
            return Acceptance.QUEUED.value  # counted by the processor as it takes it (no line here)
        fields = {"type": delivery.type, "tiktok_shop_id": delivery.tiktok_shop_id}
        door.report(Metric.TIKTOK_WEBHOOK, Acceptance.UNSUBSCRIBED, "tiktok webhook", **fields)
        return Acceptance.UNSUBSCRIBED.value

    return door.serve(event, accept)


lambda_handler = door.entry_point(lambda_handler_with)
