"""DynamoDB Local is a real process that never outlives whoever started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pynamodb.transactions import TransactWrite

from connector.dal.rows import TableRow
from connector.dal.store import Store
from connector.dal.table import connection
from local.aws_calls import counting_dynamodb
from local.dynamodb import DynamoDBLocal

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

STARTER = """
import sys, time
from local.dynamodb import DynamoDBLocal
db = DynamoDBLocal().start()
print(db._process.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_killing_the_starter_with_sigkill_leaves_no_dynamodb_local_behind() -> None:
    starter = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", STARTER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert starter.stdout is not None
    java_pid = int(starter.stdout.readline())
    assert _alive(java_pid)

    starter.send_signal(signal.SIGKILL)
    starter.wait(timeout=10)

    deadline = time.monotonic() + 10
    while _alive(java_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(java_pid)


def test_stop_ends_the_process_and_a_data_dir_keeps_tables(tmp_path: Path) -> None:
    with DynamoDBLocal(data_dir=tmp_path) as db:
        db.client().create_table(
            TableName="kept",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        pid = db._process.pid  # type: ignore[union-attr]
    assert not _alive(pid)
    with DynamoDBLocal(data_dir=tmp_path) as db:
        assert "kept" in db.client().list_tables()["TableNames"]


def test_a_transaction_is_counted_two_units_for_each_of_its_items_as_dynamodb_bills_it(store: Store) -> None:
    """DynamoDB Local answers with one item's units; the count scales it (local/aws_calls.py)."""
    with counting_dynamodb(consumed_capacity=True) as calls, TransactWrite(connection=connection()) as write:
        for n in range(10):
            write.save(TableRow("COUNT#units", f"item-{n}"))
    assert calls.write_units == 20.0  # 10 items of under a KB, two units each
    with counting_dynamodb(consumed_capacity=True) as calls:
        TableRow("COUNT#units", "alone").save()
    assert calls.write_units == 1.0
