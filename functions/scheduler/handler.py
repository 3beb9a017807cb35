"""Scheduler: EventBridge Scheduler invokes it with {"task": name} (connector/schedules.py)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connector import schedules
from connector.observability import logger, metrics
from connector.wiring import Ports, process_ports


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = schedules.run_task(str(event["task"]), ports, int(time.time()))
    return {"task": event["task"], "shops": len(results), "total": sum(results.values())}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return lambda_handler_with(process_ports(), event, context)
