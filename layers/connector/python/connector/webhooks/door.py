"""What both HTTPS webhook doors share: the request as a Lambda function URL hands it to the
function (payload format 2.0), the answer, and one line per delivery that is both its log record and its
metric, printed as Powertools' logger and metrics would print them.

Written with the standard library, not Powertools' event handler, logger and metrics: a door's cold
start is the sender's wait, and those three cost more to import than everything else a door needs
(benchmarks/cold_start.py). The line is CloudWatch's embedded metric format (EMF), in the namespace,
metric names and ``service`` dimension the other functions' Powertools metrics use, so the alarms
and the dashboard read both alike.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connector.metric_names import NAMESPACE, Metric, metric_name
from connector.webhooks.errors import WebhookRejectedError
from connector.wiring import Ports, process_ports

Event = dict[str, Any]
LogicWithPorts = Callable[[Ports, Event, Any], Event]


@dataclass(frozen=True)
class Request:
    headers: dict[str, str]  # names in lowercase (function URLs send them so; the door does not rely on it)
    body: bytes  # exactly as sent: signatures are computed over these bytes


def request_of(event: Event) -> Request:
    """The request in a Lambda function URL (payload 2.0) event."""
    headers = {str(name).lower(): str(value) for name, value in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    return Request(headers, raw)


def answer(status: int, body: dict[str, Any], **headers: str) -> Event:
    headers = {"Content-Type": "application/json", **headers}
    return {"statusCode": status, "headers": headers, "body": json.dumps(body)}


def serve(event: Event, accept: Callable[[Request], str]) -> Event:
    """200 with what became of the delivery; a refused one answers its 401/400 in the API's error
    shape, counted, and nothing is queued. Only POST is a delivery: a function URL takes every
    method (and path), where a gateway's route took only POST."""
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "POST")
    if method != "POST":
        error = {"code": "method_not_allowed", "message": f"{method}: a webhook is a POST"}
        return answer(405, {"error": error}, Allow="POST")
    try:
        outcome = accept(request_of(event))
    except WebhookRejectedError as error:
        report(Metric.WEBHOOK_REJECTED, error.code, "webhook rejected", reason=error.message)
        return answer(error.status, {"error": {"code": error.code, "message": error.message}})
    return answer(200, {"status": outcome})


def report(metric: Metric, per: str, message: str, **fields: Any) -> None:
    """One delivery's line: the count of ``metric`` per ``per`` and what an operator reads (never a
    payload: it may carry personal data). Where metrics are off (locally), a plain log line at INFO."""
    name = metric_name(metric, per)
    line = {
        "level": "INFO",
        "message": message,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "service_undefined"),
        "function_request_id": _request_id,
        **fields,
    }
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        if os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO").upper() not in ("DEBUG", "INFO"):
            return
        line["metric"] = name
    else:
        metrics = [{"Name": name, "Unit": "Count"}]
        cloudwatch = [{"Namespace": NAMESPACE, "Dimensions": [["service"]], "Metrics": metrics}]
        line = {
            "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": cloudwatch},
            **line,
            name: 1,
        }
    # Lambda sends a function's standard output to CloudWatch Logs, which reads EMF lines as metrics.
    print(json.dumps(line, default=str), flush=True)


_request_id: str | None = None


def entry_point(logic: LogicWithPorts) -> Callable[[Event, Any], Event]:
    """A door's Lambda entry point: its logic given this process's ports (as every function's,
    connector.wiring), its lines carrying the invocation's request id."""

    def lambda_handler(event: Event, context: Any) -> Event:
        global _request_id
        _request_id = getattr(context, "aws_request_id", None)
        return logic(process_ports(), event, context)

    return lambda_handler
