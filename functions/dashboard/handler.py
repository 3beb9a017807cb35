"""Dashboard API function: what the merchant's dashboard calls, plus the health check."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from connector import health
from connector.dal.factory import get_store

logger = Logger(service="dashboard")
app = APIGatewayRestResolver(enable_validation=True)


@app.get("/health")
def get_health() -> Response[str]:
    healthy, body = health.check(get_store())
    status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
    return Response(
        status_code=status.value, content_type=content_types.APPLICATION_JSON, body=json.dumps(body)
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
