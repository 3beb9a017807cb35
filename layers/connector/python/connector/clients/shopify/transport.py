"""GraphQL Admin API calls over HTTP: one ``requests.Session``, each shop's cost budget, retries.

Rate limits (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): a leaky bucket of query cost
points per shop; every answer reports ``extensions.cost``; a query runs only when the bucket holds its
requested cost. ``CostBudget`` waits for the points before a query, so Shopify never has to throttle.

A 401 (an expired or revoked access token) is sent again once, with the token the shop's
``AccessTokens`` gives instead of the refused one; nothing ran, so this holds for mutations too.
A read is retried on 429, 5xx, throttling and connection errors. A mutation is retried only when
Shopify certainly did not run it (429, throttled, or a connection that failed before anything was
sent); a mutation whose answer was lost raises ``ShopifyOutcomeUnknownError``.
Tokens and personal data are never logged; errors carry Shopify's messages, not request bodies.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import requests

from connector.clients.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyGraphQLError,
    ShopifyOutcomeUnknownError,
    ShopifyThrottledError,
    ShopifyTokenInvalidError,
    ShopifyUnavailableError,
)

logger = logging.getLogger(__name__)

MUTATION_COST = 10  # the documented cost of a mutation


def connection_cost(first: int, item_cost: int) -> int:
    """The documented estimate of a connection: 2 + first x the cost of one item."""
    return 2 + first * item_cost


class CostBudget:
    """The client's view of one shop's leaky bucket, from the last ``throttleStatus`` seen.

    Before a query, ``wait_for`` sleeps until the bucket (restored at ``restoreRate`` per second since
    the last answer) holds the query's expected cost, so Shopify never has to throttle us.
    """

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._maximum: float | None = None
        self._available = 0.0
        self._restore_rate = 0.0
        self._seen_at = 0.0
        self._requested: dict[str, float] = {}  # operation -> last requestedQueryCost

    def expected_cost(self, operation: str, estimate: float) -> float:
        cost = self._requested.get(operation, estimate)
        return min(cost, self._maximum) if self._maximum else cost

    def wait_for(self, cost: float) -> float:
        """Sleep until ``cost`` points are available; return the seconds slept."""
        with self._lock:
            if self._maximum is None or self._restore_rate <= 0:
                return 0.0
            elapsed = max(0.0, self._clock() - self._seen_at)
            available = min(self._maximum, self._available + elapsed * self._restore_rate)
            # One point of margin: the server's clock and ours do not tick together.
            missing = cost + 1 - available
            delay = missing / self._restore_rate if missing > 0 else 0.0
        if delay > 0:
            logger.info("shopify cost budget: waiting %.2fs for %.0f points", delay, cost)
            self._sleep(delay)
        return delay

    def update(self, operation: str, cost: dict[str, Any] | None) -> None:
        if not cost:
            return
        status = cost.get("throttleStatus") or {}
        with self._lock:
            if cost.get("requestedQueryCost") is not None:
                self._requested[operation] = float(cost["requestedQueryCost"])
            if status.get("maximumAvailable") is not None:
                self._maximum = float(status["maximumAvailable"])
                self._available = float(status.get("currentlyAvailable", 0.0))
                self._restore_rate = float(status.get("restoreRate", 0.0))
                self._seen_at = self._clock()


def never_sent(exc: requests.RequestException) -> bool:
    """True when the connection failed before any byte of the request left (safe to repeat)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc.args)


class _Transient(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _bulk_chunks(response: requests.Response) -> Iterator[bytes]:
    try:
        yield from response.iter_content(chunk_size=65536)
    except requests.RequestException as exc:
        raise ShopifyUnavailableError(f"bulk result: {type(exc).__name__}") from exc


class AdminHttp:
    """The app's one HTTP session to every shop, and how long and how often a call may take."""

    def __init__(
        self,
        *,
        timeout: float,
        max_attempts: int,
        backoff_seconds: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "tiktok-shop-connector"})
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.clock = clock

    def close(self) -> None:
        self.session.close()

    def post_once(self, url: str, body: dict[str, Any], what: str) -> requests.Response:
        """One POST of a JSON body, not retried; ShopifyUnavailableError when no answer came."""
        try:
            return self.session.post(url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(f"{what} failed: {type(exc).__name__}") from exc

    @contextmanager
    def bulk_result(self, url: str, offset: int) -> Iterator[tuple[Iterator[bytes], int]]:
        """The bytes of a bulk result file from ``offset`` on, streamed, and how many bytes of the
        stream come before ``offset`` (0 unless the server ignored the Range and sent it all). The
        URL is signed: no access token goes with it."""
        # identity: byte offsets are offsets in the file, not in a compressed stream of it
        headers = {"Range": f"bytes={offset}-", "Accept": "*/*", "Accept-Encoding": "identity"}
        try:
            response = self.session.get(url, headers=headers, stream=True, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(f"bulk result: {type(exc).__name__}") from exc
        with response:
            status = response.status_code
            ranged = status == 206 and response.headers.get("Content-Range", "").startswith(
                f"bytes {offset}-"
            )
            if response.headers.get("Content-Encoding", "identity") != "identity":
                raise ShopifyError("bulk result: compressed, so byte offsets do not hold")
            if not ranged and status != 200:  # offsets always point inside the file
                raise ShopifyError(f"bulk result: HTTP {status} for bytes from {offset}")
            skip = 0 if ranged else offset  # a server that ignored the Range sends the whole file
            yield _bulk_chunks(response), skip


class AccessTokens(Protocol):
    """Where a shop's Admin API access token comes from: read before every request, and asked
    once for another when the Admin API refuses the one sent."""

    def current(self) -> str:
        """The token to send now."""
        ...

    def rejected(self, token: str) -> str:
        """A token to send instead of ``token``, which the Admin API refused with a 401; raises
        when there is none."""
        ...


class FixedToken:
    """One access token and nothing to replace it with (a non-expiring token, a test's)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "FixedToken(***)"

    def current(self) -> str:
        return self._token

    def rejected(self, token: str) -> str:
        raise ShopifyTokenInvalidError("the Admin API refused the access token (HTTP 401)")


class ShopGraphQL:
    """One shop's GraphQL endpoint and access tokens on the app's session, budgeted against that
    shop's cost bucket."""

    def __init__(self, http: AdminHttp, graphql_url: str, tokens: AccessTokens, budget: CostBudget) -> None:
        self.http = http
        self.graphql_url = graphql_url
        self._tokens = tokens
        self._budget = budget

    def __repr__(self) -> str:
        return f"ShopGraphQL(graphql_url={self.graphql_url!r})"

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        *,
        operation: str,
        estimated_cost: float,
        mutation: bool = False,
    ) -> dict[str, Any]:
        """Run one operation and return its ``data``; wait for budget, retry what is safe to retry."""
        http = self.http
        last_reason = ""
        attempt, renewed = 0, ""
        while attempt < http.max_attempts:
            self._budget.wait_for(self._budget.expected_cost(operation, estimated_cost))
            # Read before each attempt (a backoff may outlive a token), unless given after a 401.
            token = renewed or self._tokens.current()
            try:
                return self._attempt(token, query, variables, operation, mutation)
            except ShopifyTokenInvalidError:
                if renewed:  # the token given after a 401 was refused too: no third try
                    raise
                # Nothing ran: the same attempt again, once, with the token given instead.
                renewed = self._tokens.rejected(token)
            except _Transient as transient:
                last_reason = transient.reason
                attempt += 1
                if attempt >= http.max_attempts:
                    break
                delay = self._backoff(attempt - 1) if transient.retry_after is None else transient.retry_after
                if delay > 0:
                    http.sleep(delay)
        if last_reason == "THROTTLED":
            raise ShopifyThrottledError(f"{operation}: still throttled after {http.max_attempts} tries")
        raise ShopifyUnavailableError(f"{operation}: {last_reason} after {http.max_attempts} tries")

    def _backoff(self, attempt: int) -> float:
        base = self.http.backoff_seconds * (2**attempt)
        return min(30.0, base) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security

    def _attempt(
        self, token: str, query: str, variables: dict[str, Any] | None, operation: str, mutation: bool
    ) -> dict[str, Any]:
        http = self.http
        headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        body = {"query": query, "variables": variables or {}, "operationName": operation}
        try:
            response = http.session.post(self.graphql_url, json=body, headers=headers, timeout=http.timeout)
        except requests.RequestException as exc:
            if mutation and not never_sent(exc):
                raise ShopifyOutcomeUnknownError(f"{operation}: {type(exc).__name__}") from exc
            raise _Transient(type(exc).__name__) from exc
        status = response.status_code
        if status == 401:
            raise ShopifyTokenInvalidError(f"{operation}: HTTP 401 from the Admin API")
        if status == 403:
            raise ShopifyAuthError(f"{operation}: HTTP 403 from the Admin API")
        if status == 429:  # refused before execution, so safe for mutations too
            raise _Transient("HTTP 429", _retry_after(response))
        if status >= 500:
            if mutation:
                raise ShopifyOutcomeUnknownError(f"{operation}: HTTP {status}")
            raise _Transient(f"HTTP {status}")
        if status != 200:
            raise ShopifyError(f"{operation}: unexpected HTTP {status}")
        payload = response.json()
        self._budget.update(operation, (payload.get("extensions") or {}).get("cost"))
        errors = payload.get("errors")
        if errors:
            error = ShopifyGraphQLError(errors)
            if error.codes and all(code == "THROTTLED" for code in error.codes):
                # Throttled queries never ran; the budget now knows the bucket, so the retry waits.
                raise _Transient("THROTTLED", retry_after=0.0)
            raise error
        data: dict[str, Any] = payload.get("data") or {}
        return data
