"""Secrets as on AWS: the stack names each secret's ARN, the function reads it from Secrets Manager
(here moto's server over the real protocol) once per five minutes, and a webhook door reading its
secret still loads nothing heavier than botocore."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector import secrets
from connector.secrets import Secret, get_secret
from local.aws_calls import counting_dynamodb
from local.sqs import AwsProtocolServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def secret_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The Shopify secret held by Secrets Manager, named to the code by its ARN only."""
    with AwsProtocolServer() as server:
        arn = server.client("secretsmanager").create_secret(
            Name="connector/shopify", SecretString="from-secrets-manager"
        )["ARN"]
        monkeypatch.delenv(Secret.SHOPIFY_API_SECRET.value)
        monkeypatch.setenv("SHOPIFY_API_SECRET_ARN", arn)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", server.endpoint)
        secrets.forget_read_secrets()
        yield arn
        secrets.forget_read_secrets()


def test_a_secret_named_by_its_arn_is_read_once_then_kept_for_five_minutes(
    secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counting_dynamodb() as calls:  # counts every botocore call, Secrets Manager's too
        first = get_secret(Secret.SHOPIFY_API_SECRET)
        again = get_secret(Secret.SHOPIFY_API_SECRET)
    assert first == again == "from-secrets-manager"
    assert calls.requests["GetSecretValue"] == 1

    # Five minutes on, it is read again (a rotated value reaches warm functions).
    read_at, value = secrets._read[secret_arn]
    secrets._read[secret_arn] = (read_at - secrets.CACHE_SECONDS, value)
    with counting_dynamodb() as calls:
        assert get_secret(Secret.SHOPIFY_API_SECRET) == "from-secrets-manager"
    assert calls.requests["GetSecretValue"] == 1


def test_a_door_reading_its_secret_from_secrets_manager_loads_no_boto3(secret_arn: str) -> None:
    script = (
        "import sys, functions.shopify_webhook.handler\n"
        "from connector.secrets import Secret, get_secret\n"
        "assert get_secret(Secret.SHOPIFY_API_SECRET) == 'from-secrets-manager'\n"
        "heavy = ('boto3', 'pydantic', 'pynamodb', 'aws_lambda_powertools', 'msgspec')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
