"""Every error answer of the API has one shape: {"error": {"code", "message"}}; the exception
handlers that produce it are registered in one place."""

from __future__ import annotations

import json
from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from connector.errors import AnsweredError
from connector.observability import Metric, count
from connector.webhooks.errors import WebhookRejectedError


def error_response(status: HTTPStatus | int, code: str, message: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=body)


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(AnsweredError)
    def answered(error: AnsweredError) -> Response[str]:
        if isinstance(error, WebhookRejectedError):
            count(Metric.WEBHOOK_REJECTED, per=error.code)
        return error_response(error.status, error.code, error.message)

    @app.exception_handler(UnicodeDecodeError)
    def undecodable_body(_: UnicodeDecodeError) -> Response[str]:
        return error_response(HTTPStatus.BAD_REQUEST, "invalid_request", "the body must be UTF-8 JSON")

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "no such route")

    @app.exception_handler(RequestValidationError)  # raised by the validating (dashboard) resolver
    def invalid_request(error: RequestValidationError) -> Response[str]:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in error.errors()[:5]
        ]
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_request", "; ".join(problems))
