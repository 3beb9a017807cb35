"""`make run`'s entry point, started as a user starts it: it must serve /health with DynamoDB ok
within 60 s, replay the samples for the demo shop, and stop everything on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local.dynamodb import free_port
from local.events import DEMO_SHOP, load
from tests.helpers import merchant_call

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_make_run_serves_health_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port, db_port = free_port(), free_port()
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DYNAMODB_", "TABLE_", "TIKTOK_", "SHOPIFY_", "AWS_", "POWERTOOLS_"))
    }
    environment.update(PORT=str(port), DYNAMODB_PORT=str(db_port), LOCAL_DATA_DIR=str(tmp_path))
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run"], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
    )
    try:
        output = []
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
        ready_after = time.monotonic() - started
        assert health.json() == {"status": "ok", "dynamodb": "ok"}
        assert ready_after < 60
        assert "sample webhooks replayed: {'200': 13}" in "".join(output)
        # The sample paid order reaches the demo shop's Shopify on first start (listed among those
        # awaiting shipment: the demo's weeks of completed orders come first in the whole list).
        sample = load("webhooks/tiktok/type-1.json")["body"]["data"]["order_id"]
        synced = None
        for _ in range(60):
            orders = merchant_call(
                f"http://127.0.0.1:{port}", DEMO_SHOP, "GET", "/v1/orders?status=awaiting_shipment"
            ).json()["items"]
            synced = next((o for o in orders if o["id"] == sample), None)
            if synced and synced["shopify_order_id"]:
                break
            time.sleep(0.5)
        assert synced is not None and synced["shopify_order_id"], synced
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{db_port}", timeout=2)  # DynamoDB Local stopped too
