"""Downloads a product image from the shop's CDN, to hand its bytes to TikTok's image upload.

Only hosts the caller allows are fetched (the shop's CDN): the URL comes from a merchant's product,
and fetching any URL a product names would let it point our function at internal addresses
(server-side request forgery). Redirects are not followed for the same reason. The body is read in
chunks and abandoned past ``max_bytes``, so an oversized file costs no more than the limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # requests loads when an image is fetched: the errors below are imported alone
    import requests


CHUNK = 64 * 1024
RETRIED_STATUSES = frozenset({500, 502, 503, 504})


class ImageFetchError(Exception):
    """An image could not be fetched; ``url`` says which."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class ImageHostNotAllowedError(ImageFetchError):
    """The URL's scheme or host is not one the caller allows."""


class ImageTooLargeError(ImageFetchError):
    """The image is over ``max_bytes``."""


class ImageUnavailableError(ImageFetchError):
    """The host answered no image (4xx, a redirect, or 5xx / no connection after the retries)."""


def fetch_image(
    url: str,
    *,
    allowed_hosts: Collection[str],
    max_bytes: int,
    session: requests.Session | None = None,
    timeout: float = 10.0,
    attempts: int = 3,
    backoff_seconds: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """The bytes at ``url`` (http or https, host in ``allowed_hosts``, port included when the host
    is named with one), at most ``max_bytes`` of them. A 5xx answer or a failed connection is tried
    ``attempts`` times in all."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    _check_host(url, allowed_hosts)
    import requests

    http = session or requests.Session()
    try:
        for attempt in range(1, attempts):
            try:
                return _download(http, url, max_bytes, timeout)
            except _Retryable:
                sleep(backoff_seconds * 2 ** (attempt - 1))
        try:
            return _download(http, url, max_bytes, timeout)
        except _Retryable as exc:
            raise ImageUnavailableError(f"image unavailable after {attempts} tries: {exc}", url) from exc
    finally:
        if session is None:
            http.close()


class _Retryable(Exception):
    """A 5xx answer or a failed connection: worth another try."""


DEFAULT_PORTS = {"http": 80, "https": 443}


def _check_host(url: str, allowed_hosts: Collection[str]) -> None:
    """``allowed_hosts`` names hosts ("cdn.shopify.com", on the scheme's usual port) or hosts with
    a port ("127.0.0.1:8123"); anything else, and any scheme but http(s), is refused."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ImageHostNotAllowedError("image url has an invalid port", url) from None
    host = (parts.hostname or "").lower()
    allowed = {entry.lower() for entry in allowed_hosts}
    usual = port is None or port == DEFAULT_PORTS.get(parts.scheme)
    ok = (
        parts.scheme in DEFAULT_PORTS
        and bool(host)
        and ((usual and host in allowed) or (port is not None and f"{host}:{port}" in allowed))
    )
    if not ok:
        raise ImageHostNotAllowedError(f"image host {parts.netloc or '?'} is not allowed", url)


def _download(http: requests.Session, url: str, max_bytes: int, timeout: float) -> bytes:
    import requests

    try:
        response = http.get(url, stream=True, timeout=timeout, allow_redirects=False)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retryable(type(exc).__name__) from exc
    with response:
        if response.status_code in RETRIED_STATUSES:
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise ImageUnavailableError(f"image answered HTTP {response.status_code}", url)
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise ImageTooLargeError(f"image is {declared} bytes, over {max_bytes}", url)
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise ImageTooLargeError(f"image is over {max_bytes} bytes", url)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(type(exc).__name__) from exc
        return bytes(body)
