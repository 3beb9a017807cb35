"""The webhook doors' API: an API Gateway HTTP API whose routes are the route table's HTTP-gateway
routes (connector.routes), each door throttled on its own.

An HTTP API, not the REST API the merchant's routes stay on: $1.00 per million requests instead of
$3.50, and a door needs nothing only REST offers (no CORS, no gateway answers for a page, no request
validation: the HMAC over the raw body is the door's one check, in the function). Not Lambda function
URLs ($0): they throttle only by concurrency, so a flood is invoked (and billed) until the cap, they
write no access log, and each door gets a host of its own; here a flood past a route's rate is
refused by API Gateway before any function runs, and both doors share one host.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from connector import routes
from infra.components.nag import acknowledge

# Each door's rate (requests per second) and burst, per route: a sender's flood on one door cannot
# take the other's share, and the merchant's API (another API, with its own limits) is untouched.
WEBHOOK_RATE_LIMIT, WEBHOOK_BURST_LIMIT = 1000, 2000
# Access log fields (no body, no header: webhooks carry personal data and signatures).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
}


class WebhookDoorsApi(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, functions: Mapping[str, lambda_.IFunction]
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        self.api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name="tiktok-shop-connector-webhooks",
            description="TikTok Shop connector: Shopify and TikTok Shop webhook doors",
            create_default_stage=False,
        )
        door_routes = routes.routes_of(routes.Gateway.HTTP)
        for route in door_routes:
            self.api.add_routes(
                path=route.path,
                methods=[apigwv2.HttpMethod(route.method)],
                integration=integrations.HttpLambdaIntegration(
                    f"{route.function}Integration",
                    functions[route.function],
                    payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
                ),
            )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=WEBHOOK_RATE_LIMIT, burst_limit=WEBHOOK_BURST_LIMIT),
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT)
        )
        stage.route_settings = {
            f"{route.method} {route.path}": {
                "ThrottlingRateLimit": WEBHOOK_RATE_LIMIT,
                "ThrottlingBurstLimit": WEBHOOK_BURST_LIMIT,
            }
            for route in door_routes
        }
        for child in self.api.node.children:
            if isinstance(child, apigwv2.HttpRoute):
                acknowledge(
                    child,
                    "APIG4",
                    "A webhook door's only authentication is the sender's HMAC over the raw body, "
                    "checked in the function (Shopify and TikTok Shop sign; neither can send a token).",
                )

    @property
    def url(self) -> str:
        """The doors' base URL without a trailing slash (callers append the route's path)."""
        stack = Stack.of(self)
        return f"https://{self.api.api_id}.execute-api.{stack.region}.{stack.url_suffix}"
