"""Each vocabulary is written once: what reads it elsewhere must agree with its one source."""

from __future__ import annotations

from connector.api import schemas
from connector.domain.entities import ACTIVITY_LABELS, ActivityType
from connector.domain.status import (
    ORDER_STATUS_LABELS,
    PRODUCT_STATUS_LABELS,
    OrderStatus,
    ProductStatus,
)
from connector.merchant.views import content, vocabulary
from connector.processing.applier import TOPICS
from connector.webhooks import shopify_delivery, tiktok_delivery
from connector.webhooks.message import Source


def test_the_doors_accept_exactly_the_topics_the_processor_applies() -> None:
    applied = {(source, topic) for source, topic in TOPICS}
    accepted = {(Source.SHOPIFY, topic) for topic in shopify_delivery.TOPIC_FIELDS} | {
        (Source.TIKTOK, str(int(type_))) for type_ in tiktok_delivery.TYPE_FIELDS
    }
    assert accepted == applied


def test_every_status_and_activity_kind_has_its_one_label() -> None:
    assert set(PRODUCT_STATUS_LABELS) == set(ProductStatus)
    assert set(ORDER_STATUS_LABELS) == set(OrderStatus)
    assert set(ACTIVITY_LABELS) == set(ActivityType)


def test_the_api_counts_a_field_per_status_of_the_domain() -> None:
    assert set(schemas.ProductCounts.model_fields) == {s.value for s in ProductStatus} | {"total"}
    assert set(schemas.OrderCounts.model_fields) == {s.value for s in OrderStatus} | {"total"}


def test_the_page_gets_the_statuses_in_the_dashboards_order_from_the_api() -> None:
    served = vocabulary()
    assert [(s.id, s.label) for s in served.product_statuses] == list(PRODUCT_STATUS_LABELS.items())
    assert [(s.id, s.label) for s in served.order_statuses] == list(ORDER_STATUS_LABELS.items())
    assert set(served.final_order_statuses) == {OrderStatus.COMPLETED, OrderStatus.CANCELLED}


def test_the_cancel_reasons_name_only_order_statuses_of_the_domain() -> None:
    reasons = [schemas.CancelReason(**reason) for reason in content()["cancel_reasons"]]
    assert reasons and all(isinstance(s, OrderStatus) for r in reasons for s in r.statuses)
