"""One running import and one running upload per shop: a second answers 409 with the running one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connector import schedules
from connector.dal.store import Store
from connector.domain.entities import ActivityState, ActivityType
from connector.wiring import Ports
from local.queue import RecordingQueue
from tests.helpers import JobRecorder, session_token

pytestmark = pytest.mark.integration


def _post(api_url: str, shop: str, path: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    return requests.post(api_url + path, json=body, headers=headers, timeout=15)


def test_a_second_import_or_upload_answers_409_with_the_running_one_until_it_ends(
    api_url: str, store: Store, shop: str, jobs: RecordingQueue
) -> None:
    # Given an import running (its job queued, not yet done)
    started = _post(api_url, shop, "/v1/imports")
    assert started.status_code == 202, started.text
    running_id = started.json()["activity"]["id"]
    store.activities.grow_activity(shop, running_id, "page-1", 40, final=False, resume_cursor="c")
    store.activities.record_activity_successes(shop, running_id, [str(n) for n in range(10)])

    # When the merchant asks for another import
    again = _post(api_url, shop, "/v1/imports")

    # Then it answers 409 in the API's error shape, naming the running import and its progress
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "activity_running"
    assert "Import from Shopify is already running (10 of 40 done)" in error["message"]
    activity = error["activity"]
    assert (activity["id"], activity["type"], activity["state"]) == (running_id, "import", "ongoing")
    assert (activity["processed"], activity["total"], activity["progress_percent"]) == (10, 40, 25)
    assert len(jobs.messages) == 1  # nothing queued for the refused one
    # An upload is another kind: it may run beside the import, once
    upload = _post(api_url, shop, "/v1/products/upload", {"all_not_uploaded": True})
    assert upload.status_code == 202, upload.text
    refused = _post(api_url, shop, "/v1/products/upload", {"all_not_uploaded": True})
    assert refused.status_code == 409
    assert refused.json()["error"]["activity"]["id"] == upload.json()["activity"]["id"]

    # When the import finishes, the next one may start
    store.activities.grow_activity(shop, running_id, "page-2", 0, final=True, resume_cursor=None)
    store.activities.record_activity_successes(shop, running_id, [str(n) for n in range(10, 40)])
    assert store.activities.finish_activity_if_done(shop, running_id, datetime.now(UTC))
    assert _post(api_url, shop, "/v1/imports").status_code == 202

    # And an upload retired as stuck by the sweep frees its slot too
    stalled = int((datetime.now(UTC) + timedelta(minutes=20)).timestamp())
    profile = store.get_shop(shop)
    assert profile is not None
    swept = schedules.sweep_stuck_activities(Ports(store=store, jobs=JobRecorder()), profile, stalled)
    assert swept == 2  # the upload failed; the new import resumed
    assert _post(api_url, shop, "/v1/products/upload", {"all_not_uploaded": True}).status_code == 202


def test_of_simultaneous_imports_exactly_one_starts(
    api_url: str, store: Store, shop: str, jobs: RecordingQueue
) -> None:
    _post(api_url, shop, "/v1/imports")  # provisions the shop: the race is only the import's
    first = store.activities.list_activities(shop, finished=False, limit=5)[0]
    store.activities.fail_activity(shop, first.activity_id, "cleared for the race", datetime.now(UTC))

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _post(api_url, shop, "/v1/imports"), range(6)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202, 409, 409, 409, 409, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 202).json()["activity"]["id"]
    assert {a.json()["error"]["activity"]["id"] for a in answers if a.status_code == 409} == {winner}
    ongoing = [
        a
        for a in store.activities.list_activities(shop, finished=False, limit=10)
        if a.type is ActivityType.IMPORT
    ]
    assert [a.activity_id for a in ongoing] == [winner]
    assert store.activities.get_activity(shop, first.activity_id).state is ActivityState.FAILED  # type: ignore[union-attr]
