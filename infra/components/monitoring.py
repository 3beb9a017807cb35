"""Monitoring: alarms on every dead-letter queue, every function's errors and throttles, API 5xx,
all sent to one SNS topic, and a CloudWatch dashboard of the same signals."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from connector.observability import NAMESPACE, Metric, metric_name
from infra.components.nag import acknowledge

PERIOD = Duration.minutes(5)


def custom_metric(metric: Metric, function: str, per: str | None = None) -> cloudwatch.Metric:
    """One of the connector's own metrics (connector/observability.py), as the named function emits
    it: Powertools puts each under a "service" dimension, the function's name."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name(metric, per),
        dimensions_map={"service": function},
        statistic="Sum",
        period=PERIOD,
        label=metric_name(metric, per),
    )


class MonitoringConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.Function],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        work_queues: Mapping[str, sqs.IQueue],
        api: apigateway.RestApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name="TikTok Shop connector alarms", enforce_ssl=True)
        acknowledge(
            self.topic,
            "SNS2",
            "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key, and "
            "alarm notifications carry no customer data; a customer managed key would cost without gain.",
        )
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, queue in dead_letter_queues.items():
            self._alarm(
                f"{name}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"Messages in the {name} dead-letter queue: inspect them, fix, then redrive.",
            )
        for name, function in functions.items():
            self._alarm(
                f"{name}Errors", function.metric_errors(period=PERIOD), f"The {name} function failed."
            )
            self._alarm(
                f"{name}Throttles",
                function.metric_throttles(period=PERIOD),
                f"The {name} function was throttled.",
            )
        self._alarm("Api5xx", api.metric_server_error(period=PERIOD), "The API answered 5xx.")
        self.dashboard = self._dashboard(functions, dead_letter_queues, work_queues, api)

    def _alarm(self, name: str, metric: cloudwatch.IMetric, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_description=description,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms[name] = alarm

    def _dashboard(
        self,
        functions: Mapping[str, lambda_.Function],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        work_queues: Mapping[str, sqs.IQueue],
        api: apigateway.RestApi,
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="tiktok-shop-connector")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[api.metric_count(period=PERIOD)],
                right=[api.metric_client_error(period=PERIOD), api.metric_server_error(period=PERIOD)],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency p99 (ms)",
                left=[api.metric_latency(period=PERIOD, statistic="p99")],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[f.metric_invocations(period=PERIOD, label=n) for n, f in functions.items()],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Errors and throttles",
                left=[f.metric_errors(period=PERIOD, label=f"{n} errors") for n, f in functions.items()],
                right=[
                    f.metric_throttles(period=PERIOD, label=f"{n} throttles") for n, f in functions.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Duration p99 (ms)",
                left=[
                    f.metric_duration(period=PERIOD, statistic="p99", label=n) for n, f in functions.items()
                ],
                width=8,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Queue backlog and oldest message age (s)",
                left=[
                    q.metric_approximate_number_of_messages_visible(period=PERIOD, label=n)
                    for n, q in work_queues.items()
                ],
                right=[
                    q.metric_approximate_age_of_oldest_message(period=PERIOD, label=f"{n} age")
                    for n, q in work_queues.items()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queues",
                left=[
                    q.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic="Maximum", label=n
                    )
                    for n, q in dead_letter_queues.items()
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Webhooks queued and applied",
                left=[
                    # counted by the processor as it first takes each (the doors print no line)
                    custom_metric(Metric.SHOPIFY_WEBHOOK, "processor", per="queued"),
                    custom_metric(Metric.TIKTOK_WEBHOOK, "processor", per="queued"),
                    custom_metric(Metric.APPLIED, "processor", per="applied"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="What the schedules caught and repaired (drift should stay 0)",
                left=[
                    custom_metric(metric, "scheduler")
                    for metric in (
                        Metric.ORDERS_CAUGHT_BY_POLL,
                        Metric.AUDITS_CAUGHT_BY_POLL,
                        Metric.DELETIONS_CAUGHT_BY_POLL,
                        Metric.COUNTER_DRIFT,
                    )
                ],
                width=12,
            ),
        )
        return dashboard
