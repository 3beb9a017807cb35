"""Every error answer of the API has one shape: {"error": {"code", "message"}}; the exception
handlers that produce it are registered in one place."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from connector.clients.shopify.errors import (
    ShopifyOutcomeUnknownError,
    ShopifyThrottledError,
    ShopifyUnavailableError,
)
from connector.clients.tiktok.errors import TikTokApiError, TikTokTransportError, outage
from connector.errors import AnsweredError
from connector.shopify_session import ShopifyRefreshBusyError

logger = logging.getLogger(__name__)

# What a partner outage answers: the clients have already retried within the request, so the caller
# waits a few seconds before asking again (the page does, a bounded number of times).
RETRY_AFTER_SECONDS = 3
PARTNER_UNAVAILABLE = "partner_unavailable"


def error_response(status: HTTPStatus | int, code: str, message: str, **details: Any) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message, **details}})
    return Response(status_code=int(status), content_type=content_types.APPLICATION_JSON, body=body)


def partner_unavailable(partner: str, error: Exception) -> Response[str]:
    """503 with Retry-After: the partner is down, slow or overloaded, not the request wrong."""
    logger.warning("partner unavailable", extra={"partner": partner, "reason": type(error).__name__})
    response = error_response(
        HTTPStatus.SERVICE_UNAVAILABLE, PARTNER_UNAVAILABLE, f"{partner} is not answering"
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(AnsweredError)
    def answered(error: AnsweredError) -> Response[str]:
        return error_response(error.status, error.code, error.message, **error.details)

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

    # Only what may pass with time is a 503; Shopify's or TikTok's refusals keep their answers.
    @app.exception_handler(
        [ShopifyUnavailableError, ShopifyThrottledError, ShopifyOutcomeUnknownError, ShopifyRefreshBusyError]
    )
    def shopify_unavailable(error: Exception) -> Response[str]:
        # An upgrade's lost answer (outcome unknown) is safe to ask again: an unapproved
        # subscription only waits, and the merchant approves one.
        return partner_unavailable("Shopify", error)

    @app.exception_handler([TikTokTransportError, TikTokApiError])
    def tiktok_unavailable(error: Exception) -> Response[str]:
        if not outage(error):
            raise error  # a refusal is answered as before this handler existed
        return partner_unavailable("TikTok Shop", error)
