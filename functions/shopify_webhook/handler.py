"""Shopify webhooks in: HTTPS (API Gateway) and the EventBridge partner bus, one parser, one queue."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from connector.api.errors import register_error_handlers
from connector.api.http import raw_body
from connector.dal.factory import get_store
from connector.observability import count, logger, metrics
from connector.queues import QueueName, get_queue
from connector.secrets import Secret, get_secret
from connector.webhooks import ingest, shopify

app = APIGatewayRestResolver()
register_error_handlers(app)


@app.post("/webhooks/shopify")
def receive_https() -> dict[str, str]:
    secret = get_secret(Secret.SHOPIFY_API_SECRET)
    webhook = shopify.from_https(app.current_event.headers, raw_body(app.current_event), secret)
    return {"status": _accept(webhook)}


def _accept(webhook: shopify.ShopifyWebhook) -> str:
    if webhook.subscribed:
        message = webhook.to_message(received_at=int(time.time()))
        outcome = ingest.accept(message, get_store(), get_queue(QueueName.EVENTS))
    else:
        outcome = ingest.Acceptance.UNSUBSCRIBED
    count(f"ShopifyWebhook_{outcome.value}")
    logger.info("shopify webhook", topic=webhook.topic, shop=webhook.shop, outcome=outcome.value)
    return outcome.value


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "detail-type" in event:  # the EventBridge door
        return {"status": _accept(shopify.from_eventbridge(event))}
    return app.resolve(event, context)
