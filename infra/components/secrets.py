"""Secrets: one Secrets Manager secret per connector.secrets.Secret.

The partner secrets (Shopify client secret, TikTok app secret) are filled in by the operator after
the first deploy; the keys we own (state signing, token encryption) are generated here. Functions
get the secret's ARN as ``<NAME>_ARN`` and read it with ``GetSecretValue``, kept five minutes
(connector/secrets.py).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from connector.secrets import Secret
from infra.components.nag import acknowledge

_GENERATED = {Secret.STATE_SIGNING_KEY, Secret.TOKEN_ENCRYPTION_KEY}
# Why no secret rotates on a Secrets Manager schedule.
_NOT_ROTATED = {
    Secret.SHOPIFY_API_SECRET: "Shopify issues the client secret; it is rotated in the Partner Dashboard "
    "and pasted here, since Shopify offers no API that a rotation function could call.",
    Secret.TIKTOK_APP_SECRET: "TikTok Shop issues the app secret in its Partner Center; no API rotates it.",
    Secret.STATE_SIGNING_KEY: "Signs cursors and OAuth states valid for minutes; rotating it is a manual "
    "operation (new value, old links expire) with no rotation function to write.",
    Secret.TOKEN_ENCRYPTION_KEY: "Stored partner tokens are encrypted under it: a scheduled rotation "
    "would make them unreadable until a re-encryption job exists.",
}


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
            acknowledge(self.secrets[secret], "SMG4", _NOT_ROTATED[secret])

    def grant_read(self, grantee: iam.IGrantable, *secrets: Secret) -> dict[str, str]:
        """Let ``grantee`` read these secrets; returns the environment that names them."""
        environment = {}
        for secret in secrets:
            self.secrets[secret].grant_read(grantee)
            environment[f"{secret.value}_ARN"] = self.secrets[secret].secret_arn
        return environment
