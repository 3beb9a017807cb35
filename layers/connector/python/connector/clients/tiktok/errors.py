"""What a TikTok Shop call can fail with, and the codes that decide it: the "Common errors" page, the
endpoint tables' "internal error, try again" codes, and the codes that say an action was already done."""

from __future__ import annotations

from collections.abc import Mapping

# Common error codes ("Common errors" page).
CODE_OK = 0
CODE_TOKEN_EXPIRED = 105002
# "Invalid credentials" (an access token TikTok no longer accepts) shares this code with malformed
# requests, so the client asks for a refresh before it calls the authorization lost.
CODE_INVALID_REQUEST = 36009004
CODE_RATE_LIMITED = 36009002
CODE_INTERNAL_ERROR = 36009003

# TikTok failed inside and says to try again: retried like an HTTP 5xx (idempotent calls only, since
# TikTok may have done part of the work) and never a refusal. The wording is the reference's.
RETRYABLE_CODES: Mapping[int, str] = {
    # In the error table of every endpoint we call (not on guides/common-errors.md itself).
    36009003: "Internal error. Please try again.",
    # guides/common-errors.md.
    36009007: "Request timeout. The request to the endpoint timed out. Please try again.",
    # Create Product.
    12001000: "product api internal error",
    # Create Product, Partial Edit Product, Update Price.
    12052881: "identity internal error",
    # Get Order Detail.
    10002014: "Failed to get orders, If multiple retry have failed, please contact the platform",
    10002015: "Failed to get orders, If multiple retry have failed, please contact the platform",
    10037002: "Failed to get orders, If multiple retry have failed, please contact the platform",
    10037003: "Failed to get orders, If multiple retry have failed, please contact the platform",
    10037004: "Failed to get orders, If multiple retry have failed, please contact the platform",
    # Ship Package, Mark Package As Shipped.
    11001031: "System process error, please try again later.",
    21001003: "System timeout. If the error persists, please contact the platform for assistance.",
    21001008: "System process error, please try again later.",
    21001011: "System process error, please try again later.",
    21022029: "System process error, please try again later.",
    21042001: "System process error, please try again later.",
    21042076: "System process error, please try again later.",
    # Mark Package As Shipped.
    11001027: "System timeout. If this error persists, please contact the platform for assistance.",
    11006005: "System process error, please try again later.",
    11006026: "System process error, please try again later.",
    21001043: "System process error, please try again later.",
    21001055: "System process error, please try again later.",
    21008300: "System process error, please try again later.",
    21022030: "System process error, please try again later.",
}

# Per action, the codes of its error table that say what we asked for is already the case: the
# ShopClient method takes them as success (a repeat after a lost answer, or a seller who did it first).
ALREADY_DONE: Mapping[str, Mapping[int, str]] = {
    # fulfillment/ship-package.spec.json.
    "ship_package": {
        21011040: "Package has already been shipped.",
        21008099: "Package has been shipped. Please not ship the package again.",
        11006021: "Package has been shipped. Please not ship the package again.",
        21011020: "These orders are already shipped.",
        21011027: "Package has already been delivered.",  # delivered, so shipped before
    },
    # fulfillment/mark-package-as-shipped.spec.json: the order's items are shipped already.
    "mark_package_as_shipped": {
        21011006: "These orders are already shipped.",
        21011020: "These orders are already shipped.",
        21042056: "These orders are already shipped.",
        21008099: "Package has been shipped. Please not ship the package again.",
    },
    # products/delete-products.spec.json: the product is gone, which is what a delete asks.
    "delete_products": {12052032: "The product does not exist"},
    # Activate Product and Deactivate Products list no such code: their 12052901 ("not available in
    # its current status") is also what a frozen or deleted product gets, so it is a refusal.
    "activate_products": {},
    "deactivate_products": {},
    # Cancel Order: 25001011 says "A return request is already in process, or the order has already
    # been cancelled": the first half is not our cancellation, so it stays a refusal.
    "cancel_order": {},
}


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
    def rate_limited(self) -> bool:
        """Refused before processing (HTTP 429 or 36009002): safe to repeat whatever the call."""
        return self.http_status == 429 or self.code == CODE_RATE_LIMITED

    @property
    def internal(self) -> bool:
        """TikTok failed inside (HTTP 5xx or an "internal error, try again" code): it may have done
        part of the work, so only an idempotent call is repeated."""
        return self.http_status >= 500 or self.code in RETRYABLE_CODES

    @property
    def refusal(self) -> bool:
        """TikTok considered the request and said no (not a rate limit, outage or expired token):
        trying again unchanged would get the same answer."""
        return not (self.rate_limited or self.internal) and self.code != CODE_TOKEN_EXPIRED

    def already_done(self, action: str) -> bool:
        """Whether this code says ``action`` (a key of ``ALREADY_DONE``) was already done."""
        return self.code in ALREADY_DONE[action]


class TikTokTokenExpiredError(TikTokApiError):
    """Code 105002: the access token has expired; refresh it."""


class TikTokAuthorizationLostError(TikTokError):
    """TikTok no longer accepts the shop's tokens and refused their refresh (the seller revoked us,
    or the authorization expired): nothing for this shop works until the merchant connects again.
    Not a ``TikTokApiError``: no caller may take it for TikTok's verdict on one product or order."""


class MissingTikTokAuthorizationError(RuntimeError):
    """The shop has no TikTok tokens: it was never connected, or they were erased. Raised before any
    call (``connector.tiktok_session``), so not a ``TikTokError``."""


class TikTokTransportError(TikTokError):
    """No answer: the connection failed or timed out, or the answer was not a TikTok envelope.

    ``maybe_processed`` is False only when the request certainly never reached TikTok.
    """

    def __init__(self, message: str, *, maybe_processed: bool) -> None:
        super().__init__(message)
        self.maybe_processed = maybe_processed


def outage(error: Exception) -> bool:
    """TikTok did not answer, failed inside, or asked us to slow down: worth asking again later,
    unlike a refusal."""
    if isinstance(error, TikTokTransportError):
        return True
    return isinstance(error, TikTokApiError) and (error.internal or error.rate_limited)
