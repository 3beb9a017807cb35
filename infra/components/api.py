"""API: the REST API whose routes come from the shared route table (connector.routes)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from connector import routes


class ApiConstruct(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, functions: Mapping[str, lambda_.IFunction]
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigateway.RestApi(
            self,
            "RestApi",
            rest_api_name="tiktok-shop-connector",
            deploy_options=apigateway.StageOptions(
                stage_name="prod", throttling_rate_limit=200, throttling_burst_limit=400
            ),
        )
        integrations = {name: apigateway.LambdaIntegration(fn) for name, fn in functions.items()}
        for route in routes.ROUTES:
            resource = self.api.root.resource_for_path(route.path)
            resource.add_method(route.method, integrations[route.function])
