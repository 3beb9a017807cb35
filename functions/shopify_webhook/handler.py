"""Shopify webhooks in: HTTPS (API Gateway) and the EventBridge partner bus, one parser, one queue."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from connector.api.errors import register_error_handlers
from connector.api.http import raw_body
from connector.observability import Metric, count, logger
from connector.secrets import Secret
from connector.webhooks import ingest, shopify
from connector.wiring import Ports, entry_point

app = APIGatewayRestResolver()
register_error_handlers(app)


@app.post("/webhooks/shopify")
def receive_https() -> dict[str, str]:
    ports: Ports = app.context["ports"]
    secret = ports.secret(Secret.SHOPIFY_API_SECRET)
    webhook = shopify.from_https(app.current_event.headers, raw_body(app.current_event), secret)
    return {"status": _accept(ports, webhook)}


def _accept(ports: Ports, webhook: shopify.ShopifyWebhook) -> str:
    if webhook.subscribed:
        message = webhook.to_message(received_at=int(time.time()))
        outcome = ingest.accept(message, ports.store, ports.events)
    else:
        outcome = ingest.Acceptance.UNSUBSCRIBED
    count(Metric.SHOPIFY_WEBHOOK, per=outcome.value)
    logger.info("shopify webhook", topic=webhook.topic, shop=webhook.shop, outcome=outcome.value)
    return outcome.value


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "detail-type" in event:  # the EventBridge door
        return {"status": _accept(ports, shopify.from_eventbridge(event))}
    app.append_context(ports=ports)
    return app.resolve(event, context)


lambda_handler = entry_point(lambda_handler_with)
