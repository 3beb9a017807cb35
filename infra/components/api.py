"""API: the REST API of the merchant's routes, from the shared route table (connector.routes; the
webhook doors are on function URLs of their own, infra/components/doors.py).

Every request reaches a function with its raw body: merchant routes are verified by the Shopify
session token, and the body by the function's own validation (Powertools' OpenAPI validation), so
API Gateway neither authorizes nor validates.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from connector import routes
from infra.components.nag import acknowledge

STAGE = "prod"
# Throttling per method (requests per second, burst): the dashboard's routes (anonymous requests
# reach them before any token check) and /health get their own limits; the webhook doors are on
# another API with theirs.
RATE_LIMIT = 200  # the stage's default for every method, the dashboard's routes included
BURST_LIMIT = 400
HEALTH_RATE_LIMIT, HEALTH_BURST_LIMIT = 10, 20
# Paths the hosted dashboard page calls from its own origin.
BROWSER_PATH_PREFIXES = ("/v1/", "/openapi.json")


class ApiConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        functions: Mapping[str, lambda_.IFunction],
        allowed_origin: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        self.api = apigateway.RestApi(
            self,
            "RestApi",
            rest_api_name="tiktok-shop-connector",
            description="TikTok Shop connector: the merchant dashboard API",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            # The account-level role that lets API Gateway write access and execution logs.
            cloud_watch_role=True,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE,
                throttling_rate_limit=RATE_LIMIT,
                throttling_burst_limit=BURST_LIMIT,
                method_options=_method_throttling(),
                access_log_destination=apigateway.LogGroupLogDestination(self.access_logs),
                access_log_format=_json_access_log(),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies carry personal data
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        integrations = {name: apigateway.LambdaIntegration(fn) for name, fn in functions.items()}
        with_preflight: set[str] = set()
        served = routes.routes_of(routes.Gateway.REST)
        for route in served:
            resource = self.api.root.resource_for_path(route.path)
            resource.add_method(route.method, integrations[route.function])
            if route.path.startswith(BROWSER_PATH_PREFIXES) and route.path not in with_preflight:
                with_preflight.add(route.path)
                resource.add_cors_preflight(
                    allow_origins=[allowed_origin],
                    allow_methods=sorted(r.method for r in served if r.path == route.path),
                    allow_headers=["Authorization", "Content-Type"],
                    max_age=Duration.hours(1),
                )
        # API Gateway's own answers (throttled, too large...) must reach the page readable too.
        for response_type in (apigateway.ResponseType.DEFAULT_4_XX, apigateway.ResponseType.DEFAULT_5_XX):
            self.api.add_gateway_response(
                f"Gateway{response_type.response_type}",
                type=response_type,
                response_headers={"Access-Control-Allow-Origin": f"'{allowed_origin}'"},
            )
        self._acknowledge_findings()

    @property
    def base_url(self) -> str:
        """The stage's URL without a trailing slash (callers append paths that start with one)."""
        stack = Stack.of(self)
        return f"https://{self.api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}/{STAGE}"

    def _acknowledge_findings(self) -> None:
        why_no_authorizer = (
            "Authentication is in the function: /v1 routes by the Shopify session token (HS256, "
            "audience, shop); /health, /openapi.json, the OAuth callback (signed single-use state) "
            "and CORS preflights are public by design."
        )
        acknowledge(self.api, "APIG4", why_no_authorizer)
        acknowledge(self.api, "COG4", why_no_authorizer + " Merchants are Shopify users, not Cognito users.")
        acknowledge(
            self.api,
            "APIG2",
            "Requests are validated by the function (Powertools OpenAPI validation), which answers "
            "the contract's error shape.",
        )
        acknowledge(
            self.api,
            "APIG3",
            "No WAF: every request is authenticated by session token in the function, and stage "
            "throttling bounds the load; a web ACL would add cost without a rule to put in it yet.",
        )
        role = self.api.node.find_child("CloudWatchRole")
        acknowledge(
            role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level logging role: the AWS managed policy is the documented one.",
        )


def _method_throttling() -> dict[str, apigateway.MethodDeploymentOptions]:
    """/health with limits of its own (keys are "/{path}/{METHOD}")."""
    return {
        "/health/GET": apigateway.MethodDeploymentOptions(
            throttling_rate_limit=HEALTH_RATE_LIMIT, throttling_burst_limit=HEALTH_BURST_LIMIT
        )
    }


def _json_access_log() -> apigateway.AccessLogFormat:
    return apigateway.AccessLogFormat.json_with_standard_fields(
        caller=False,
        http_method=True,
        ip=True,
        protocol=True,
        request_time=True,
        resource_path=True,
        response_length=True,
        status=True,
        user=False,
    )
