"""CDK app entry point (`make synth`). Synthesizes offline: no Docker, no AWS account."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aws_cdk as cdk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.stack import ConnectorStack  # noqa: E402 - after the path set-up above

DEPENDENCIES_DIR = ROOT / "build" / "layers" / "dependencies"


def main() -> None:
    # The CDK CLI passes CDK_OUTDIR; `make synth` runs this file directly and writes cdk.out/.
    app = cdk.App(outdir=os.environ.get("CDK_OUTDIR", str(ROOT / "cdk.out")))
    ConnectorStack(app, "TikTokShopConnector", dependencies_dir=DEPENDENCIES_DIR)
    app.synth()


if __name__ == "__main__":
    main()
