"""Secrets: one Secrets Manager secret per connector.secrets.Secret.

The partner secrets (Shopify client secret, TikTok app secret) are filled in by the operator after
the first deploy; the keys we own (state signing, token encryption) are generated here. Functions
get the secret's ARN as ``<NAME>_ARN`` and read it through Powertools parameters with caching.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from connector.secrets import Secret

_GENERATED = {Secret.STATE_SIGNING_KEY, Secret.TOKEN_ENCRYPTION_KEY}


class SecretsConstruct(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secrets: dict[Secret, secretsmanager.Secret] = {}
        for secret in Secret:
            generated = secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True)
            self.secrets[secret] = secretsmanager.Secret(
                self,
                secret.value.title().replace("_", ""),
                description=f"TikTok Shop connector: {secret.value}",
                generate_secret_string=generated if secret in _GENERATED else None,
                removal_policy=RemovalPolicy.RETAIN,  # tokens encrypted with it must stay readable
            )

    def grant_read(self, grantee: iam.IGrantable, *secrets: Secret) -> dict[str, str]:
        """Let ``grantee`` read these secrets; returns the environment that names them."""
        environment = {}
        for secret in secrets:
            self.secrets[secret].grant_read(grantee)
            environment[f"{secret.value}_ARN"] = self.secrets[secret].secret_arn
        return environment
