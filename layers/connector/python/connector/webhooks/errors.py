"""Why a webhook is refused. The HTTP doors turn these into 401/400 answers; nothing is queued."""

from __future__ import annotations

from connector.errors import AnsweredError


class WebhookRejectedError(AnsweredError):
    """A delivery refused before anything is queued."""


class SignatureError(WebhookRejectedError):
    status = 401
    code = "invalid_signature"


class MalformedWebhookError(WebhookRejectedError):
    status = 400
    code = "malformed_webhook"
