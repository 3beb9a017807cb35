"""The composition root: every dependency built once per process from settings and secrets, any of
them given instead by name, and a missing required setting named at start."""

from __future__ import annotations

import pytest

from connector.settings import MissingSettingError, Settings
from connector.wiring import Ports
from local.queue import RecordingQueue

CONFIGURED = {
    "SHOPIFY_API_KEY": "client-id",
    "SHOPIFY_API_SECRET": "client-secret",
    "SHOPIFY_ADMIN_BASE_URL": "http://127.0.0.1:9/{shop}",
    "TIKTOK_APP_KEY": "configured-key",
    "TIKTOK_APP_SECRET": "configured-secret",
    "TIKTOK_API_BASE_URL": "http://127.0.0.1:9/",
}


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Ports:
    """The environment a Lambda function (or make run) sets."""
    for name, value in CONFIGURED.items():
        monkeypatch.setenv(name, value)
    return Ports()


def test_the_shopify_client_comes_from_settings_and_secrets_once(configured: Ports) -> None:
    client = configured.shopify
    assert configured.shopify is client
    assert client.api_key == "client-id"
    assert client.shop_url("a.myshopify.com") == "http://127.0.0.1:9/a.myshopify.com"


def test_the_tiktok_client_is_built_once_per_process(configured: Ports) -> None:
    first, second = configured.tiktok, configured.tiktok
    # one client (one Session for warm invocations) built from the settings
    assert first is second and first.session is second.session
    assert (first.app_key, first.api_base_url) == ("configured-key", "http://127.0.0.1:9")
    assert "configured-secret" not in repr(first)


def test_a_given_dependency_takes_the_place_of_the_built_one(configured: Ports) -> None:
    queue = RecordingQueue()
    ports = configured.replace(jobs=queue)
    from connector.jobs import Job, JobKind

    ports.enqueue_job(Job(kind=JobKind.IMPORT, shop="a.myshopify.com", idempotency_key="k", params={}))
    assert ports.jobs is queue and len(queue.messages) == 1
    assert ports.settings.tiktok_app_key == "configured-key"  # the rest still from the environment


def test_order_and_stock_work_goes_to_the_syncs_queue_and_bulk_work_to_the_jobs_queue(
    configured: Ports,
) -> None:
    from connector.jobs import SYNC_KINDS, Job, JobKind

    bulk, syncs = RecordingQueue(), RecordingQueue()
    ports = configured.replace(jobs=bulk, syncs=syncs)
    for kind in JobKind:
        ports.enqueue_job(Job(kind=kind, shop="a.myshopify.com", idempotency_key=kind.value, params={}))

    assert [Job.model_validate_json(m).kind for m in syncs.messages] == [
        k for k in JobKind if k in SYNC_KINDS
    ]
    assert [Job.model_validate_json(m).kind for m in bulk.messages] == [
        k for k in JobKind if k not in SYNC_KINDS
    ]
    assert {JobKind.ORDER_SYNC, JobKind.INVENTORY_SYNC} <= SYNC_KINDS
    assert not {JobKind.IMPORT, JobKind.UPLOAD, JobKind.STOCK_PUSH} & SYNC_KINDS  # bulk and what follows it


def test_one_given_jobs_queue_takes_every_kind_when_no_syncs_queue_is_configured(configured: Ports) -> None:
    queue = RecordingQueue()
    ports = configured.replace(jobs=queue)
    assert ports.syncs is queue
    with pytest.raises(MissingSettingError, match="SYNCS_QUEUE_URL"):
        _ = configured.syncs  # on AWS both are configured: none is guessed


def test_an_unknown_dependency_is_refused(configured: Ports) -> None:
    with pytest.raises(TypeError, match="no dependency named enqueue"):
        Ports(enqueue=print)


def test_a_missing_required_setting_fails_at_start_naming_it() -> None:
    with pytest.raises(MissingSettingError, match="SHOPIFY_API_KEY, TIKTOK_APP_KEY"):
        Settings.from_environ({})


def test_a_queue_the_function_needs_but_has_no_url_for_is_named(configured: Ports) -> None:
    with pytest.raises(MissingSettingError, match="JOBS_QUEUE_URL"):
        _ = configured.jobs


def test_replacing_one_dependency_keeps_what_the_settings_built_and_new_settings_rebuild_it(
    configured: Ports,
) -> None:
    client = configured.tiktok
    replaced = configured.replace(jobs=RecordingQueue())
    assert replaced.tiktok is client  # same settings: the client serves on
    rebuilt = replaced.replace(settings=Settings.from_environ({**CONFIGURED, "TIKTOK_APP_KEY": "other"}))
    assert rebuilt.tiktok is not client and rebuilt.tiktok.app_key == "other"
