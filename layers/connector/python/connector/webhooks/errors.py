"""Why a webhook is refused. The HTTP doors turn these into 401/400 answers; nothing is queued."""

from __future__ import annotations


class WebhookRejectedError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SignatureError(WebhookRejectedError):
    status = 401
    code = "invalid_signature"


class MalformedWebhookError(WebhookRejectedError):
    status = 400
    code = "malformed_webhook"
