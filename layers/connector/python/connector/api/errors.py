"""Every error answer of the API has one shape: {"error": {"code", "message"}}; the exception
handlers that produce it are registered in one place: those of every resolver, and those only the
dashboard's routes can need."""

from __future__ import annotations

import json
from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from connector.errors import AnsweredError
from connector.observability import count
from connector.webhooks.errors import WebhookRejectedError


def error_response(status: HTTPStatus | int, code: str, message: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=body)


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """The answers of every resolver (the webhook doors need no more than these)."""

    @app.exception_handler(AnsweredError)
    def answered(error: AnsweredError) -> Response[str]:
        if isinstance(error, WebhookRejectedError):
            count(f"WebhookRejected_{error.code}")
        return error_response(error.status, error.code, error.message)

    @app.exception_handler(UnicodeDecodeError)
    def undecodable_body(_: UnicodeDecodeError) -> Response[str]:
        return error_response(HTTPStatus.BAD_REQUEST, "invalid_request", "the body must be UTF-8 JSON")

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "no such route")


def register_dashboard_error_handlers(app: APIGatewayRestResolver) -> None:
    """Every resolver's answers, and those of session tokens, cursors, OAuth state and request
    validation, which only the dashboard's routes raise."""
    # Imported here, not at the top: the webhook doors would otherwise load PyJWT (and with it
    # cryptography) and PynamoDB at import for exceptions they never raise.
    from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

    from connector.cursor import InvalidCursorError
    from connector.oauth_state import InvalidStateError
    from connector.session_tokens import InvalidSessionTokenError

    register_error_handlers(app)

    @app.exception_handler(InvalidSessionTokenError)
    def unauthenticated(error: InvalidSessionTokenError) -> Response[str]:
        return error_response(HTTPStatus.UNAUTHORIZED, "unauthenticated", str(error))

    @app.exception_handler(InvalidCursorError)
    def bad_cursor(error: InvalidCursorError) -> Response[str]:
        return error_response(HTTPStatus.BAD_REQUEST, "invalid_cursor", str(error))

    @app.exception_handler(InvalidStateError)
    def bad_state(error: InvalidStateError) -> Response[str]:
        return error_response(HTTPStatus.BAD_REQUEST, "invalid_state", str(error))

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in error.errors()[:5]
        ]
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid_request", "; ".join(problems))
