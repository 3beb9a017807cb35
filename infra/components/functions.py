"""How every connector function is built: one place for runtime, architecture, logs and tracing."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = lambda_.Runtime.PYTHON_3_13


class Layers(Construct):
    """The connector's own code (layers/connector) and its third-party dependencies."""

    def __init__(self, scope: Construct, construct_id: str, dependencies_dir: Path) -> None:
        super().__init__(scope, construct_id)
        self.connector = lambda_.LayerVersion(
            self,
            "Connector",
            code=lambda_.Code.from_asset(str(ROOT / "layers" / "connector"), exclude=["**/__pycache__"]),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="Connector domain, data access, clients",
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=lambda_.Code.from_asset(str(dependencies_dir)),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="Third-party packages from pyproject.toml, built for arm64",
        )


def connector_function(
    scope: Construct,
    name: str,
    layers: Layers,
    environment: dict[str, str],
    timeout_seconds: int = 10,
    memory_mb: int = 512,
) -> lambda_.Function:
    """A function from functions/<name>/handler.py with JSON logs, tracing and bounded log retention."""
    log_group = logs.LogGroup(scope, f"{_pascal(name)}Logs", retention=logs.RetentionDays.ONE_MONTH)
    return lambda_.Function(
        scope,
        _pascal(name),
        runtime=RUNTIME,
        architecture=lambda_.Architecture.ARM_64,
        handler="handler.lambda_handler",
        code=lambda_.Code.from_asset(str(ROOT / "functions" / name), exclude=["**/__pycache__"]),
        layers=[layers.dependencies, layers.connector],
        environment={"POWERTOOLS_SERVICE_NAME": name, **environment},
        timeout=Duration.seconds(timeout_seconds),
        memory_size=memory_mb,
        tracing=lambda_.Tracing.ACTIVE,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=log_group,
    )


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
