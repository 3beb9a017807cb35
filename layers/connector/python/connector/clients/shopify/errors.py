"""What a Shopify Admin API call can fail with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.values import Value


class ShopifyError(Exception):
    """Base class of every error this client raises."""


class ShopifyAuthError(ShopifyError):
    """Shopify refused the credentials: a bad session token on exchange, or an invalid access token."""


class ShopifyTokenInvalidError(ShopifyAuthError):
    """The Admin API answered 401: the access token is expired, revoked or unknown. Nothing ran, so
    the call may be sent again with another token."""


class ShopifyRefreshRefusedError(ShopifyAuthError):
    """The token endpoint refused the refresh token (expired, retired or revoked): only a new token
    exchange, from the merchant's session token, gives access again. ``code`` is Shopify's OAuth
    error code (``invalid_grant``), never the token."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ShopifyGraphQLError(ShopifyError):
    """The answer carried top-level ``errors`` (bad query, access denied, cost too high, ...)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.codes = tuple(str((e.get("extensions") or {}).get("code", "")) for e in errors)
        super().__init__("; ".join(str(e.get("message", "")) for e in errors) or "GraphQL error")


class UserError(Value, frozen=True):
    message: str
    field: tuple[str, ...] = ()
    code: str | None = None


class ShopifyUserError(ShopifyError):
    """A mutation answered with non-empty ``userErrors``: Shopify rejected the input, nothing changed."""

    def __init__(self, mutation: str, user_errors: Sequence[UserError]) -> None:
        self.mutation = mutation
        self.user_errors = tuple(user_errors)
        super().__init__(f"{mutation}: " + "; ".join(e.message for e in self.user_errors))


class ShopifyOrderRejectedError(ShopifyUserError):
    """``orderCreate`` answered ``userErrors``: Shopify refused the order and created nothing, a known
    outcome (unlike ``ShopifyOutcomeUnknownError``). ``messages`` are Shopify's own words."""

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(error.message for error in self.user_errors)


class ShopifyThrottledError(ShopifyError):
    """Still throttled after the allowed retries."""


class ShopifyUnavailableError(ShopifyError):
    """A read failed with 429/5xx/connection errors on every allowed attempt."""


class ShopifyOutcomeUnknownError(ShopifyError):
    """A mutation was sent but its answer was lost (timeout, 5xx): it may or may not have been applied.

    The caller must not blindly repeat it; it reconciles first (see ``create_order``).
    """
