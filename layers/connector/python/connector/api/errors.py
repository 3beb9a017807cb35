"""Every error answer of the API has one shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import json
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response, content_types


def error_response(status: HTTPStatus, code: str, message: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(status_code=status.value, content_type=content_types.APPLICATION_JSON, body=body)
