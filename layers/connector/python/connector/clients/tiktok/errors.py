"""What a TikTok Shop call can fail with, and the "Common errors" codes that decide it."""

from __future__ import annotations

# Common error codes ("Common errors" page).
CODE_OK = 0
CODE_TOKEN_EXPIRED = 105002
CODE_RATE_LIMITED = 36009002


class TikTokError(Exception):
    """Any failure talking to TikTok Shop."""


class TikTokApiError(TikTokError):
    """TikTok answered with a non-zero ``code`` (or an HTTP error without a usable envelope)."""

    def __init__(self, code: int, message: str, request_id: str = "", http_status: int = 200) -> None:
        super().__init__(f"TikTok API error {code}: {message} (request_id={request_id or '-'})")
        self.code = code
        self.message = message
        self.request_id = request_id
        self.http_status = http_status

    @property
    def refusal(self) -> bool:
        """TikTok considered the request and said no (not a rate limit, outage or expired token):
        trying again unchanged would get the same answer."""
        busy = self.http_status == 429 or self.http_status >= 500 or self.code == CODE_RATE_LIMITED
        return not busy and self.code != CODE_TOKEN_EXPIRED


class TikTokTokenExpiredError(TikTokApiError):
    """Code 105002: the access token has expired; refresh it."""


class TikTokTransportError(TikTokError):
    """No answer: the connection failed or timed out, or the answer was not a TikTok envelope.

    ``maybe_processed`` is False only when the request certainly never reached TikTok.
    """

    def __init__(self, message: str, *, maybe_processed: bool) -> None:
        super().__init__(message)
        self.maybe_processed = maybe_processed
