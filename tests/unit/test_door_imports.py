"""A webhook door's import is what verification and queueing need: botocore (its SQS client's
code, since every delivery it accepts is queued) and the standard library, nothing heavier."""

from __future__ import annotations

import pytest

from tests.unit.fresh_interpreter import modules_loaded_by

HEAVY = ("boto3", "pydantic", "pynamodb", "aws_lambda_powertools", "msgspec", "requests")


@pytest.mark.parametrize("door", ["shopify_webhook", "tiktok_webhook"])
def test_a_doors_import_brings_its_queue_and_nothing_heavier(door: str) -> None:
    loaded = modules_loaded_by(f"import functions.{door}.handler")
    # Its queue's code comes with the import, not with the first delivery...
    assert {"connector.queues", "botocore.session"} <= loaded
    # ...and no library a door does without.
    assert sorted(name for name in HEAVY if name in loaded) == []
