"""The app's secrets: from the environment locally, from Secrets Manager on AWS, cached either way.

On AWS a secret's value is never an environment variable: the stack sets ``<NAME>_ARN`` and the
value is read with ``GetSecretValue``, kept for five minutes so that a warm function does not read it
on every invocation, and rotation still reaches it.

Read with botocore's own client rather than Powertools parameters: those import boto3 (about 45 ms
more than botocore alone, plus their own modules), and a webhook door's first invocation reads a
secret before it can answer the sender; the doors import nothing heavier than botocore
(benchmarks/cold_start.py). What Powertools would add here is the five-minute cache, a few lines.
"""

from __future__ import annotations

import os
import threading
import time
from enum import StrEnum
from typing import Any

CACHE_SECONDS = 300


class Secret(StrEnum):
    SHOPIFY_API_SECRET = "SHOPIFY_API_SECRET"  # signs Shopify webhooks and session tokens
    TIKTOK_APP_SECRET = "TIKTOK_APP_SECRET"  # signs TikTok webhooks and API requests
    STATE_SIGNING_KEY = "STATE_SIGNING_KEY"  # signs cursors and OAuth state
    TOKEN_ENCRYPTION_KEY = "TOKEN_ENCRYPTION_KEY"  # encrypts stored partner tokens


class MissingSecretError(RuntimeError):
    """Neither the value (local) nor a Secrets Manager ARN (AWS) is configured."""


_read: dict[str, tuple[float, str]] = {}  # ARN -> (when read, monotonic; value)
_lock = threading.Lock()
_client: Any = None


def get_secret(secret: Secret) -> str:
    local_value = os.environ.get(secret.value)
    if local_value:
        return local_value
    arn = os.environ.get(f"{secret.value}_ARN")
    if not arn:
        raise MissingSecretError(f"{secret.value} is not configured")
    with _lock:
        cached = _read.get(arn)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
    answer = _secrets_manager().get_secret_value(SecretId=arn)
    value = answer["SecretString"] if "SecretString" in answer else answer["SecretBinary"].decode()
    with _lock:
        _read[arn] = (time.monotonic(), value)
    return str(value)


def _secrets_manager() -> Any:
    global _client
    if _client is None:
        import botocore.session  # on AWS's path only: the local path reads the environment

        _client = botocore.session.get_session().create_client("secretsmanager")
    return _client


def forget_read_secrets() -> None:
    """Read every secret again on next use (a test's new server or values)."""
    global _client
    with _lock:
        _read.clear()
        _client = None
