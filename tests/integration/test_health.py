"""GET /health through the local API Gateway, with a real DynamoDB call behind it."""

from __future__ import annotations

import os

import pytest
import requests

from connector.settings import Settings
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
