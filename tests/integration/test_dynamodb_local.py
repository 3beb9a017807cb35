"""DynamoDB Local is a real process that never outlives whoever started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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
    """DynamoDB Local's figure for a transaction does not follow its items; the count works it out
    from them (local/aws_calls.py)."""
    with counting_dynamodb(consumed_capacity=True) as calls, TransactWrite(connection=connection()) as write:
        for n in range(10):
            write.save(TableRow("COUNT#units", f"item-{n}"))
    assert calls.write_units == 20.0  # 10 items of under a KB, two units each
    with counting_dynamodb(consumed_capacity=True) as calls:
        TableRow("COUNT#units", "alone").save()
    assert calls.write_units == 1.0


def test_a_transaction_counts_the_larger_version_of_each_item_and_each_index_entry_it_moves(
    table: str,
) -> None:
    client = connection().client
    key = {"pk": {"S": "COUNT#index"}, "sk": {"S": "listed"}}

    def transaction_units(item: dict[str, Any]) -> float:
        with counting_dynamodb(consumed_capacity=True) as calls:
            client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": item}}])
        return calls.write_units

    listed = {**key, "gsi1pk": {"S": "STATUS#A"}, "gsi1sk": {"S": "1"}}
    # A new item with one index's keys: the item and one entry, twice over
    assert transaction_units(listed) == 2 * (1 + 1)
    # The same keys, another attribute: the item only (the index holds keys only)
    assert transaction_units({**listed, "note": {"S": "x"}}) == 2 * 1
    # Its index key moves: the item, the old entry removed and the new one written
    assert transaction_units({**listed, "gsi1sk": {"S": "2"}}) == 2 * (1 + 2)
    # A larger version (3 KB) costs by its size; shrinking back costs by the larger (old) one
    large = {**listed, "gsi1sk": {"S": "2"}, "body": {"S": "x" * 3000}}
    assert transaction_units(large) == 2 * 3
    assert transaction_units({**listed, "gsi1sk": {"S": "2"}}) == 2 * 3
