"""TikTok Shop's answer codes and limits as the TikTok sandbox applies them, the failure that carries
a code, and the page tokens of its search endpoints.

Codes from partner.tiktokshop.com/docv2 "Common errors" and the endpoints' error tables; limits from
"Sign your API request", "Authorization guide 202309" and Create Product's request body.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

JsonObject = dict[str, Any]

# Codes from "Common errors" and the endpoints' error tables.
OK = 0
EXPIRED_TOKEN = 105002
ACCESS_DENIED = 105005  # the token lacks the endpoint's access scope
INVALID_SIGN = 106001
MISSING_CIPHER = 106013
CIPHER_MISMATCH = 101000
BAD_REQUEST = 36009004  # bad app_key, timestamp out of window, missing sign, invalid token
RATE_LIMITED = 36009002
INTERNAL_ERROR = 36009003
UNKNOWN_PATH = 36009009
# The auth host's codes for a bad credential or auth code are not in the docs; these are ours.
AUTH_INVALID_CREDENTIALS = 36004003
AUTH_INVALID_CODE = 36004004

TIMESTAMP_PAST_SECONDS = 300  # [now - 5 min, now + 30 s]
TIMESTAMP_FUTURE_SECONDS = 30
ACCESS_TOKEN_TTL = 7 * 24 * 3600  # "default expiration time set to seven days"
REFRESH_TOKEN_TTL = 365 * 24 * 3600
AUTH_CODE_TTL = 30 * 60  # "The auth_code expires in 30 minutes and can only be used once."

# Create Product: title length by region ("title" in the 202309 request body).
TITLE_LIMITS = {"BR": (1, 300), "MX": (1, 300)}
TITLE_LIMITS.update({region: (1, 255) for region in ("DE", "ES", "FR", "IE", "IT", "JP", "UK", "GB", "US")})
OTHER_REGION_TITLE_LIMITS = (25, 255)


class ApiFailure(Exception):
    """An answer with a non-zero code (HTTP 200 unless said otherwise)."""

    def __init__(self, code: int, message: str, http_status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def page(items: list[JsonObject], query: Mapping[str, str]) -> tuple[list[JsonObject], str, int]:
    """One page and the opaque token of the next ("" on the last page)."""
    size = max(1, min(100, int(query.get("page_size") or 20)))
    token = query.get("page_token") or ""
    start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
    end = start + size
    next_token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else ""
    return items[start:end], next_token, len(items)
