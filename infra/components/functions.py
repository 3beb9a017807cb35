"""How every connector function is built: one place for runtime, architecture, role, logs and tracing."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_14  # infra/build.py builds the layers and their bytecode for it
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


class Layers(Construct):
    """The connector's own code and its third-party dependencies, as infra/build.py built them."""

    def __init__(
        self, scope: Construct, construct_id: str, connector_dir: Path, dependencies_dir: Path
    ) -> None:
        super().__init__(scope, construct_id)
        self.connector = lambda_.LayerVersion(
            self,
            "Connector",
            code=lambda_.Code.from_asset(str(connector_dir)),
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


class FunctionFactory:
    """Builds <functions_dir>/<name>/handler.py as Lambda functions sharing the layers."""

    def __init__(self, layers: Layers, functions_dir: Path) -> None:
        self.layers = layers
        self.functions_dir = functions_dir
        self.functions: dict[str, lambda_.Function] = {}  # by folder name, in build order

    def build(
        self,
        scope: Construct,
        name: str,
        environment: dict[str, str],
        timeout_seconds: int = 10,
        memory_mb: int = 512,
        traced: bool = True,
    ) -> lambda_.Function:
        """A function with JSON logs, tracing (``traced``), bounded log retention and a role of its own.

        The role starts with nothing but writing to the function's own log group (no managed
        policy, whose log actions reach every log group); callers grant what the code uses.
        """
        pascal = _pascal(name)
        log_group = logs.LogGroup(scope, f"{pascal}Logs", retention=LOG_RETENTION)
        role = iam.Role(
            scope,
            f"{pascal}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"TikTok Shop connector: the {name} function",
        )
        log_group.grant_write(role)
        function = lambda_.Function(
            scope,
            pascal,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.lambda_handler",
            code=lambda_.Code.from_asset(str(self.functions_dir / name)),
            layers=[self.layers.dependencies, self.layers.connector],
            environment={"POWERTOOLS_SERVICE_NAME": name, **environment},
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory_mb,
            # Lambda samples 1 request a second and 5 % of the rest, at a rate no setting changes; a
            # door runs once per webhook, so its traces cost more than the processor's (once a batch)
            # and tell less (verify, send): the doors pass a caller's decision through, and the HTTP
            # API in front never traces.
            tracing=lambda_.Tracing.ACTIVE if traced else lambda_.Tracing.PASS_THROUGH,
            logging_format=lambda_.LoggingFormat.JSON,
            # Lambda's START/END/REPORT lines of every invocation cost more to ingest than they are
            # read: system logs at WARN. Application logs stay at INFO: Lambda files a JSON line
            # without a level (every EMF metric line) as INFO, so a WARN filter would drop the
            # metrics; the per-record lines are DEBUG in the code instead (processor, jobs).
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=log_group,
            role=role,
        )
        self.functions[name] = function
        acknowledge(
            role,
            "IAM5[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords accept no resource but '*'.",
        )
        return function


def add_environment(function: lambda_.Function, environment: dict[str, str]) -> None:
    for name, value in environment.items():
        function.add_environment(name, value)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
