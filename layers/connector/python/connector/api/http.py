"""Request details API Gateway hides in its event."""

from __future__ import annotations

import base64

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent


def raw_body(event: BaseProxyEvent) -> bytes:
    """The request body exactly as sent: signatures are computed over these bytes."""
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
