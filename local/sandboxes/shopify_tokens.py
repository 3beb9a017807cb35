"""The Shopify sandbox's offline access tokens: non-expiring ones, and expiring ones with their
rotating refresh tokens, judged at the times the sandbox gives (its clock).

The rules are Shopify's (shopify.dev "About offline access tokens"; changelog "Offline access tokens
now support expiry and refresh", 2025-12-10, and "More resilient refreshes for expiring offline
access tokens", 2026-08-28): an expiring access token lives an hour on Shopify (``lifetime`` here);
a refresh answers a new access token and a new refresh token; the refresh token used can be used
again (a lost answer) until its replacement is used, for at most 30 days from its first use, and
never beyond its own 90-day life.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

REFRESH_TOKEN_LIFETIME = 90 * 24 * 3600
RETRY_WINDOW = 30 * 24 * 3600  # a used refresh token may be retried this long, at most


@dataclass(frozen=True)
class SandboxTokenGrant:
    """What the token endpoint answers (without the scope)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    refresh_token_expires_in: int | None = None

    def answer(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"access_token": self.access_token}
        if self.refresh_token is not None:
            answer.update(
                expires_in=self.expires_in,
                refresh_token=self.refresh_token,
                refresh_token_expires_in=self.refresh_token_expires_in,
            )
        return answer


class RefreshRefusedError(Exception):
    """The refresh token is unknown, of another shop, expired or retired: Shopify's invalid_grant."""


@dataclass
class _RefreshToken:
    shop: str
    expires_at: float
    replaces: str | None  # the refresh token whose use answered this one
    first_used_at: float | None = None
    retired: bool = False


class TokenBook:
    """Every token the sandbox issued, by shop, and what became of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, tuple[str, float | None]] = {}  # token -> (shop, expiry or None)
        self._refresh: dict[str, _RefreshToken] = {}
        self.refreshed_at: defaultdict[str, list[float]] = defaultdict(list)  # shop -> refresh times
        self.admitted_at: defaultdict[str, list[float]] = defaultdict(list)  # shop -> calls taken
        self.refused_calls: Counter[str] = Counter()  # shop -> Admin API calls answered 401
        self.refused_refreshes: Counter[str] = Counter()  # shop -> refreshes answered invalid_grant
        # shop -> refreshes granted for a refresh token that was not the shop's newest (a retry
        # after a lost answer, or an app that kept an old one)
        self.stale_refreshes: Counter[str] = Counter()
        self._newest: dict[str, str] = {}  # shop -> its refresh token issued last

    def issue(self, shop: str, now: float, lifetime: int | None) -> SandboxTokenGrant:
        """A new access token: non-expiring when ``lifetime`` is None, else expiring with a new
        refresh token."""
        with self._lock:
            return self._issue(shop, now, lifetime, replaces=None)

    def admits(self, shop: str, token: str, now: float) -> bool:
        """Whether the Admin API takes ``token`` for ``shop`` now; a refusal is counted."""
        with self._lock:
            found = self._access.get(token)
            admitted = found is not None and found[0] == shop and (found[1] is None or now < found[1])
            if admitted:
                self.admitted_at[shop].append(now)
            else:
                self.refused_calls[shop] += 1
            return admitted

    def refresh(self, shop: str, refresh_token: str, now: float, lifetime: int) -> SandboxTokenGrant:
        """A new pair for a usable refresh token: its use retires the one it replaced."""
        with self._lock:
            found = self._refresh.get(refresh_token)
            usable = (
                found is not None
                and found.shop == shop
                and not found.retired
                and now < found.expires_at
                and (found.first_used_at is None or now < found.first_used_at + RETRY_WINDOW)
            )
            if found is None or not usable:
                self.refused_refreshes[shop] += 1
                raise RefreshRefusedError("The refresh token is invalid, expired or was replaced")
            if self._newest.get(shop) != refresh_token:
                self.stale_refreshes[shop] += 1
            if found.first_used_at is None:
                found.first_used_at = now
            if found.replaces is not None:  # the app uses the replacement: the one before retires
                self._refresh[found.replaces].retired = True
            self.refreshed_at[shop].append(now)
            return self._issue(shop, now, lifetime, replaces=refresh_token)

    def newest_refresh_token(self, shop: str) -> str | None:
        """The shop's refresh token issued last (by an exchange or a refresh)."""
        with self._lock:
            return self._newest.get(shop)

    def _issue(self, shop: str, now: float, lifetime: int | None, replaces: str | None) -> SandboxTokenGrant:
        access = "shpat_" + secrets.token_hex(16)
        if lifetime is None:
            self._access[access] = (shop, None)
            return SandboxTokenGrant(access)
        refresh = "shprt_" + secrets.token_hex(16)
        self._access[access] = (shop, now + lifetime)
        self._refresh[refresh] = _RefreshToken(shop, now + REFRESH_TOKEN_LIFETIME, replaces)
        self._newest[shop] = refresh
        return SandboxTokenGrant(access, refresh, lifetime, REFRESH_TOKEN_LIFETIME)
