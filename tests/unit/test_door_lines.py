"""A door's one line per delivery: a CloudWatch EMF record the alarms read like Powertools' metrics."""

from __future__ import annotations

import json

import pytest

from connector.metric_names import NAMESPACE, Metric
from connector.webhooks import door


def test_a_delivery_line_is_an_emf_count_in_the_functions_service_dimension(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "shopify_webhook")

    door.report(Metric.SHOPIFY_WEBHOOK, "queued", "shopify webhook", topic="products/create")

    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": NAMESPACE,
        "Dimensions": [["service"]],
        "Metrics": [{"Name": "ShopifyWebhook_queued", "Unit": "Count"}],
    }
    assert (record["service"], record["ShopifyWebhook_queued"]) == ("shopify_webhook", 1)
    assert (record["message"], record["topic"]) == ("shopify webhook", "products/create")


def test_a_refused_delivery_answers_the_apis_error_shape_and_names_no_value(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    event = {"headers": {"Content-Type": "application/json"}, "body": "[1]", "isBase64Encoded": False}

    def accept(request: door.Request) -> str:
        from connector.webhooks.envelope import parse_json_object

        assert request.headers == {"content-type": "application/json"}
        parse_json_object(request.body)
        return "queued"

    answer = door.serve(event, accept)

    assert answer["statusCode"] == 400
    assert json.loads(answer["body"]) == {
        "error": {"code": "malformed_webhook", "message": "body is not a JSON object"}
    }
    assert json.loads(capsys.readouterr().out)["metric"] == "WebhookRejected_malformed_webhook"
