"""One TikTok Shop request over HTTP: signed, sent on one ``requests.Session``, retried when safe.

Retries are bounded, with exponential backoff and full jitter. A call that is not idempotent (create
product without an idempotency key, upload image, cancel order, ship package, token get/refresh) is
repeated only when TikTok certainly did not process it: HTTP 429, the rate-limit code 36009002, or a
connection that failed before anything was sent. Idempotent calls also retry on 5xx, TikTok's
"internal error, try again" codes (``errors.RETRYABLE_CODES``), timeouts and dropped connections.

Signing follows "Sign your API request" (see ``signing``): a multipart/form-data body (Upload Product
Image) is left out of the signature and sent as requests' ``files``. Nothing here logs a token or a
secret.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from connector.clients.tiktok.errors import (
    CODE_OK,
    CODE_TOKEN_EXPIRED,
    TikTokApiError,
    TikTokError,
    TikTokTokenExpiredError,
    TikTokTransportError,
)
from connector.clients.tiktok.models import JsonObject
from connector.clients.tiktok.parsing import as_int, as_str
from connector.clients.tiktok.signing import request_signature
from connector.values import Value

logger = logging.getLogger(__name__)


# One multipart/form-data part: (file name, content, content type); a text part has no file name.
FormPart = tuple[str | None, bytes, str]


class Request(Value, frozen=True):
    method: str
    base_url: str
    path: str
    query: Mapping[str, str]
    body: bytes | None  # the exact bytes signed and sent
    access_token: str | None
    idempotent: bool
    signed: bool = True
    form: Mapping[str, FormPart] | None = None  # a multipart body instead of ``body``


def never_sent(error: requests.RequestException) -> bool:
    """True only when the connection failed before any byte of the request was sent."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, NewConnectionError)  # refused, unreachable, DNS failure
    return False


class Transport:
    """Sends ``Request``s for one app (its key and secret sign them). Thread-safe; one Session."""

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        timeout: float | tuple[float, float],
        max_attempts: int,
        backoff_base: float,
        backoff_cap: float,
        sleep: Callable[[float], None],
        rng: random.Random | None,
        clock: Callable[[], float],
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.app_key = app_key
        self._app_secret = app_secret
        self.session = requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not security
        self._clock = clock

    def __repr__(self) -> str:
        return f"Transport(app_key={self.app_key!r})"

    def close(self) -> None:
        self.session.close()

    def call(self, request: Request) -> JsonObject:
        """Send ``request``, retrying what is safe to retry; returns the envelope's ``data``."""
        attempt = 1
        while True:
            try:
                return self._attempt(request)
            except (TikTokApiError, TikTokTransportError) as error:
                if attempt >= self.max_attempts or not self._retryable(error, request.idempotent):
                    raise
                logger.info(
                    "tiktok call retried",
                    extra={"path": request.path, "attempt": attempt, "reason": _reason(error)},
                )
            # Full jitter: a uniform wait up to the capped exponential bound.
            self._sleep(self._rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))))
            attempt += 1

    @staticmethod
    def _retryable(error: TikTokError, idempotent: bool) -> bool:
        if isinstance(error, TikTokTransportError):
            return idempotent or not error.maybe_processed
        assert isinstance(error, TikTokApiError)
        if error.rate_limited:
            return True  # rejected before processing, so safe to repeat whatever the call
        return idempotent and error.internal

    def _attempt(self, request: Request) -> JsonObject:
        query = dict(request.query)
        multipart = request.form is not None
        # requests writes a multipart content-type with its boundary itself.
        headers = {} if multipart else {"content-type": "application/json"}
        if request.signed:
            query["app_key"] = self.app_key
            query["timestamp"] = str(int(self._clock()))
            query["sign"] = request_signature(
                self._app_secret, request.path, query, request.body or b"", multipart=multipart
            )
        if request.access_token is not None:
            headers["x-tts-access-token"] = request.access_token
        try:
            response = self.session.request(
                request.method,
                request.base_url + quote(request.path),
                params=query,
                data=request.body,
                files=request.form,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            # The exception text may hold the URL, whose query carries the secret on the auth host.
            raise TikTokTransportError(
                f"{type(error).__name__} calling {request.path}", maybe_processed=not never_sent(error)
            ) from None
        return self._envelope(request.path, response)

    @staticmethod
    def _envelope(path: str, response: requests.Response) -> JsonObject:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            if response.status_code == 429 or response.status_code >= 400:
                raise TikTokApiError(-1, f"HTTP {response.status_code}", "", response.status_code)
            raise TikTokTransportError(f"not a TikTok envelope from {path}", maybe_processed=True)
        code = as_int(envelope.get("code"))
        if code == CODE_OK and response.status_code < 400:
            data = envelope.get("data")
            return data if isinstance(data, dict) else {}
        error_type = TikTokTokenExpiredError if code == CODE_TOKEN_EXPIRED else TikTokApiError
        raise error_type(
            code, as_str(envelope.get("message")), as_str(envelope.get("request_id")), response.status_code
        )


def _reason(error: TikTokError) -> str:
    if isinstance(error, TikTokApiError):
        return f"code {error.code} http {error.http_status}"
    return type(error).__name__
