"""The app's secrets: from the environment locally, from Secrets Manager on AWS, cached either way.

On AWS a secret's value is never an environment variable: the stack sets ``<NAME>_ARN`` and
the value is fetched through Powertools parameters, cached for five minutes so that a warm function
does not read it on every invocation, and rotation still reaches it.
"""

from __future__ import annotations

import os
from enum import StrEnum

CACHE_SECONDS = 300


class Secret(StrEnum):
    SHOPIFY_API_SECRET = "SHOPIFY_API_SECRET"  # signs Shopify webhooks and session tokens
    TIKTOK_APP_SECRET = "TIKTOK_APP_SECRET"  # signs TikTok webhooks and API requests
    STATE_SIGNING_KEY = "STATE_SIGNING_KEY"  # signs cursors and OAuth state
    TOKEN_ENCRYPTION_KEY = "TOKEN_ENCRYPTION_KEY"  # encrypts stored partner tokens


class MissingSecretError(RuntimeError):
    """Neither the value (local) nor a Secrets Manager ARN (AWS) is configured."""


def get_secret(secret: Secret) -> str:
    local_value = os.environ.get(secret.value)
    if local_value:
        return local_value
    arn = os.environ.get(f"{secret.value}_ARN")
    if not arn:
        raise MissingSecretError(f"{secret.value} is not configured")
    # Imported on AWS's path only: Powertools parameters loads boto3 (about 140 ms), which the local
    # path never needs; the module stays cached after the first secret.
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(arn, max_age=CACHE_SECONDS)
    return value if isinstance(value, str) else value.decode()
