"""CDK app entry point (`make synth`). Synthesizes offline: no Docker, no AWS account.

cdk-nag's AwsSolutions pack checks the app at synth (a CDK validation plugin in cdk-nag 3): an
unacknowledged finding stops synthesis and is listed in cdk.out/validation-report.json. Findings are
acknowledged only on the construct they concern, each with its reason (infra/components/nag.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.build import build  # noqa: E402 - after the path set-up above
from infra.shopify_app_toml import FILE_NAME  # noqa: E402
from infra.stack import ConnectorStack  # noqa: E402

STACK_NAME = "TikTokShopConnector"


def checked_app(outdir: str, context: dict[str, str] | None = None) -> cdk.App:
    """An app whose synthesis runs the AwsSolutions checks."""
    app = cdk.App(outdir=outdir, context=context)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


# `make synth` runs this file directly, without the CLI's -c: these variables give the same context.
CONTEXT_FROM_ENVIRONMENT = {
    "SHOPIFY_API_KEY": "shopifyApiKey",
    "SHOPIFY_WEBHOOK_URL": "shopifyWebhookUrl",
    "DASHBOARD_URL": "dashboardUrl",
    "SHOPIFY_SCOPES": "shopifyScopes",
}


def main() -> None:
    # The CDK CLI passes CDK_OUTDIR; `make synth` runs this file directly and writes cdk.out/.
    outdir = os.environ.get("CDK_OUTDIR", str(ROOT / "cdk.out"))
    context = {
        key: os.environ[name] for name, key in CONTEXT_FROM_ENVIRONMENT.items() if os.environ.get(name)
    }
    app = checked_app(outdir, context)
    ConnectorStack(app, STACK_NAME, assets=build())  # `cdk deploy` runs this too: it ships what it builds
    app.synth()
    if not (Path(outdir) / FILE_NAME).exists():
        print(
            f"{FILE_NAME} not written: set SHOPIFY_API_KEY, SHOPIFY_WEBHOOK_URL and DASHBOARD_URL"
            " (README, Deploy)"
        )


if __name__ == "__main__":
    main()
