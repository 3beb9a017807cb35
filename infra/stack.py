"""The connector's one stack: one construct per concern."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack
from constructs import Construct

from connector import routes
from infra.components.api import ApiConstruct
from infra.components.data import DataConstruct
from infra.components.functions import Layers, connector_function


class ConnectorStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, dependencies_dir: Path, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        data = DataConstruct(self, "Data")
        layers = Layers(self, "Layers", dependencies_dir=dependencies_dir)
        environment = {"TABLE_NAME": data.table.table_name}
        functions = {
            name: connector_function(self, name, layers, environment) for name in routes.functions_served()
        }
        data.table.grant(functions["dashboard"], "dynamodb:DescribeTable")
        self.api = ApiConstruct(self, "Api", functions)
