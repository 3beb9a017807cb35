"""TikTok Shop webhooks in: verify, resolve the shop, queue, answer within TikTok's 3 s."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from connector.api.errors import register_error_handlers
from connector.api.http import raw_body
from connector.observability import Metric, count, logger
from connector.secrets import Secret
from connector.webhooks import ingest, tiktok
from connector.wiring import Ports, entry_point

app = APIGatewayRestResolver()
register_error_handlers(app)


@app.post("/webhooks/tiktok")
def receive() -> dict[str, str]:
    ports: Ports = app.context["ports"]
    app_key, app_secret = ports.settings.tiktok_app_key, ports.secret(Secret.TIKTOK_APP_SECRET)
    webhook = tiktok.from_https(app.current_event.headers, raw_body(app.current_event), app_key, app_secret)
    shop = ports.store.shop_for_tiktok(webhook.notification.shop_id)
    if not webhook.subscribed:
        outcome = ingest.Acceptance.UNSUBSCRIBED
    elif shop is None:
        outcome = ingest.Acceptance.UNKNOWN_SHOP
    else:
        outcome = ingest.accept(webhook.to_message(shop), ports.store, ports.events)
    count(Metric.TIKTOK_WEBHOOK, per=outcome.value)
    logger.info("tiktok webhook", type=webhook.notification.type, shop=shop, outcome=outcome.value)
    return {"status": outcome.value}


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    app.append_context(ports=ports)
    return app.resolve(event, context)


lambda_handler = entry_point(lambda_handler_with)
