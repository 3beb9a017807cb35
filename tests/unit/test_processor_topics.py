"""The processor's topics are applied by modules of their family, imported when the first event of
one of them arrives: every name in the applier's table resolves, and the processor's import loads
none of them (nor the payload models, the job model or the doors' field tables)."""

from __future__ import annotations

from collections.abc import Callable

from connector.processing.applier import TOPICS
from tests.unit.fresh_interpreter import modules_loaded_by

# What only some topics need: their families, the payload models they read, the jobs they queue,
# the plans they settle, and the doors' tables (the processor reads no door's fields).
TOPIC_ONLY = {
    "connector.processing.shopify_topics",
    "connector.processing.shop_lifecycle",
    "connector.processing.tiktok_orders",
    "connector.processing.tiktok_audits",
    "connector.processing.follow_ups",
    "connector.webhooks.shopify",
    "connector.webhooks.tiktok",
    "connector.jobs",
    "connector.domain.plans",
    "connector.webhooks.projection",
    "connector.webhooks.shopify_delivery",
    "connector.webhooks.tiktok_delivery",
    # and the store's parts it never reads (activities) or only orders move (sales)
    "connector.dal.activity_progress",
    "connector.dal.sales_days",
    "connector.domain.sales",
}


def test_every_topic_names_a_function_of_its_family() -> None:
    for (source, topic), handled in TOPICS.items():
        module = handled.module()
        apply: Callable[..., object] | None = getattr(module, handled.function, None)
        assert callable(apply), (source, topic, handled)
        # a batch groups a plain change's events by the product or order its family names
        assert handled.changes is None or callable(getattr(module, "changed_id", None)), (source, topic)


def test_the_processors_import_loads_no_topics_module() -> None:
    loaded = modules_loaded_by("import functions.processor.handler")
    assert "connector.processing.applier" in loaded
    assert loaded & TOPIC_ONLY == set()


def test_a_topic_loads_its_family_and_no_other() -> None:
    loaded = modules_loaded_by(
        "from connector.processing.applier import TOPICS\n"
        "from connector.webhooks.message import Source\n"
        "TOPICS[(Source.TIKTOK, '1')].module()"
    )
    assert "connector.processing.tiktok_orders" in loaded
    assert loaded & {"connector.processing.shopify_topics", "connector.webhooks.shopify"} == set()
