"""Scheduler: EventBridge Scheduler invokes it with {"task": name} (connector/schedules.py)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connector import schedules
from connector.clients.tiktok.auth import tiktok_client_from_settings
from connector.crypto import token_cipher
from connector.dal.factory import get_store
from connector.jobs import enqueue
from connector.observability import logger, metrics
from connector.processing.applier import Ports
from connector.processing.tiktok_products import tiktok_product_status_reader


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store = get_store()
    ports = Ports(store=store, enqueue_job=enqueue, tiktok_products=tiktok_product_status_reader())
    results = schedules.run_task(
        str(event["task"]), store, tiktok_client_from_settings(), token_cipher(), ports, int(time.time())
    )
    return {"task": event["task"], "shops": len(results), "total": sum(results.values())}
