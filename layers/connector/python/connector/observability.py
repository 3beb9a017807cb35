"""Logger and metrics shared by every function (JSON logs, CloudWatch EMF metrics)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "TikTokShopConnector"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
