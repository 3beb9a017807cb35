"""GET /health through the local API Gateway, with a real DynamoDB call behind it."""

from __future__ import annotations

import os

import pytest
import requests

from connector.settings import Settings
from local.aws_calls import counting_dynamodb
from tests.helpers import process_ports_with

pytestmark = pytest.mark.integration


def test_health_answers_ok_after_a_dynamodb_call(api_url: str) -> None:
    response = requests.get(f"{api_url}/health", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "dynamodb": "ok"}
    assert response.headers["Content-Type"] == "application/json"


def test_health_is_503_when_the_table_is_missing(api_url: str) -> None:
    missing_table = Settings.from_environ({**os.environ, "TABLE_NAME": "no-such-table"})
    with process_ports_with(settings=missing_table):
        response = requests.get(f"{api_url}/health", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "dynamodb": "unavailable"}


def test_unknown_path_and_wrong_method_answer_json_errors(api_url: str) -> None:
    missing = requests.get(f"{api_url}/nope", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = requests.delete(f"{api_url}/health", timeout=10)
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_a_flood_on_health_makes_one_dynamodb_call_per_check_interval(api_url: str) -> None:
    """Given a warm function, when /health is asked 20 times in a row, then DynamoDB is asked once:
    anonymous requests cannot multiply into DynamoDB calls (the answer is kept CHECK_SECONDS)."""
    fresh = Settings.from_environ(dict(os.environ))  # a store of its own: no answer kept yet
    with process_ports_with(settings=fresh), counting_dynamodb() as calls:
        answers = [requests.get(f"{api_url}/health", timeout=10) for _ in range(20)]
    assert {answer.status_code for answer in answers} == {200}
    assert sum(calls.requests.values()) == 1
