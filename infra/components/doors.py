"""The webhook doors: each door function answers on a Lambda function URL of its own, with no
authentication but the sender's HMAC over the raw body, checked in the function.

Function URLs, not an API Gateway API: they cost nothing beyond the function's own invocation (an
HTTP API costs $1.00 a million requests, the REST API $3.50), and a door needs nothing a gateway
offers: no CORS, no gateway answers for a page, no request validation, no route (each door has its
host and answers only POST). What a gateway's throttle did is done by the door's reserved
concurrency: past it, Lambda refuses with 429 before any code runs, and a refused request is not
billed; the senders retry (Shopify for 48 hours, TikTok Shop with backoff). A flood under the cap is
refused by the HMAC check in a few milliseconds, at Lambda's request price, below what a gateway
charges for the same request. Per-request access logs are not written (Lambda's metrics count
invocations, errors, throttles and durations; each refusal logs one line); the doors print nothing
for a queued webhook, which the processor counts.
https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from aws_cdk import Fn
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

DOORS = ("shopify_webhook", "tiktok_webhook")
# Each door's most concurrent invocations: a door takes 20-30 ms a webhook, so 100 serve a few
# thousand webhooks a second; a flood on one door cannot take the other's, nor the workers'.
DOOR_CONCURRENCY = 100


class WebhookDoors(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, functions: Mapping[str, lambda_.Function]
    ) -> None:
        super().__init__(scope, construct_id)
        self.urls: dict[str, lambda_.FunctionUrl] = {}
        for name in DOORS:
            door = functions[name]
            function = cast(lambda_.CfnFunction, door.node.default_child)
            function.reserved_concurrent_executions = DOOR_CONCURRENCY
            self.urls[name] = door.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)

    def url(self, name: str) -> str:
        """A door's address, without the trailing slash Lambda gives it (https://<host>)."""
        return "https://" + Fn.select(2, Fn.split("/", self.urls[name].url))
