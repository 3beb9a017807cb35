"""TikTok Shop API request signing (202309 versions).

Follows "Sign your API request" (partner.tiktokshop.com/docv2/page/sign-your-api-request): the query
parameters except ``sign`` and ``access_token``, sorted by key, concatenated as ``{key}{value}``; the
path before them; the body after them unless the request is multipart; the app secret on both sides;
then lowercase hex HMAC-SHA256 keyed by the app secret. The body is taken as the exact bytes sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Never part of the string to sign (the doc's step 1).
UNSIGNED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    *,
    multipart: bool = False,
) -> bytes:
    """The bytes that ``sign`` is computed over."""
    params = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in UNSIGNED_PARAMS)
    secret = app_secret.encode()
    payload = b"" if multipart else body
    return secret + path.encode() + params.encode() + payload + secret


def request_signature(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    *,
    multipart: bool = False,
) -> str:
    """The ``sign`` query parameter for one request."""
    message = string_to_sign(app_secret, path, query, body, multipart=multipart)
    return hmac.new(app_secret.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(
    app_secret: str, path: str, query: Mapping[str, str], body: bytes, received: str | None
) -> bool:
    """Whether ``received`` is the signature of this request (constant-time comparison)."""
    if not received:
        return False
    expected = request_signature(app_secret, path, query, body)
    return hmac.compare_digest(expected.encode(), received.strip().lower().encode())
