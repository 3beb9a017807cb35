"""Scheduler: EventBridge Scheduler invokes it with {"task": name} (connector/schedules.py)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from connector import schedules
from connector.wiring import Ports, entry_point


def lambda_handler_with(ports: Ports, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    results = schedules.run_task(str(event["task"]), ports, int(time.time()))
    return {"task": event["task"], "shops": len(results), "total": sum(results.values())}


lambda_handler = entry_point(lambda_handler_with)
