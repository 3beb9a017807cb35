"""Logger and metrics shared by every function but the webhook doors (JSON logs, CloudWatch EMF
metrics through Powertools); the names of the metrics are in connector/metric_names.py, where the
doors, which write their one EMF line themselves (webhooks/door.py), read them too."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from connector.metric_names import NAMESPACE, Metric, metric_name

__all__ = ["NAMESPACE", "Metric", "count", "logger", "metric_name", "metrics"]

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)


def count(metric: Metric, value: int = 1, per: str | None = None) -> None:
    metrics.add_metric(name=metric_name(metric, per), unit=MetricUnit.Count, value=value)
