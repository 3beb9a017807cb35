"""The doors' field tables (plain Python) and the processor's payload models (pydantic) cannot drift:
every field a model reads is kept, required and nullable alike, and what a door accepts and keeps
validates with the model to the same payload."""

from __future__ import annotations

import json
import types
from datetime import datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from connector.webhooks import shopify, shopify_delivery, tiktok, tiktok_delivery
from connector.webhooks.envelope import Source, queued_message
from connector.webhooks.errors import MalformedWebhookError
from connector.webhooks.message import QueuedWebhook
from connector.webhooks.projection import Field, Kind, Problems, Shape, project

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"
KIND_OF = {
    str: Kind.TEXT,
    int: Kind.INT,
    float: Kind.NUMBER,
    bool: Kind.BOOL,
    datetime: Kind.TIME,
    dict: Kind.OBJECT,
}


def _differences(shape: Shape, model: type[BaseModel], path: str = "") -> list[str]:
    found = []
    if set(shape) != set(model.model_fields):
        found.append(f"{path or 'top'}: kept {sorted(shape)}, read {sorted(model.model_fields)}")
    for name in set(shape) & set(model.model_fields):
        found += _field_differences(shape[name], model.model_fields[name], f"{path}{name}")
    return found


def _field_differences(field: Field, info: Any, path: str) -> list[str]:
    annotation, nullable = info.annotation, False
    if get_origin(annotation) in (Union, types.UnionType):
        nullable = type(None) in get_args(annotation)
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
    many = get_origin(annotation) is list
    if many:
        (annotation,) = get_args(annotation)
    if get_origin(annotation) is dict:
        annotation = dict
    wanted = (info.is_required(), nullable, many)
    found = [] if (field.required, field.nullable, field.many) == wanted else [f"{path}: {wanted}"]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if isinstance(field.of, Kind):
            return [*found, f"{path}: a value, read as an object"]
        return found + _differences(field.of, annotation, f"{path}.")
    return found if field.of == KIND_OF[annotation] else [*found, f"{path}: {field.of}, read as {annotation}"]


def test_every_field_the_processor_reads_is_kept_as_the_model_reads_it() -> None:
    assert set(shopify_delivery.TOPIC_FIELDS) == set(shopify.TOPIC_PAYLOADS)
    assert set(tiktok_delivery.TYPE_FIELDS) == set(tiktok.TYPE_DATA)
    tables = [
        *((shopify_delivery.TOPIC_FIELDS[t], m) for t, m in shopify.TOPIC_PAYLOADS.items()),
        *((tiktok_delivery.TYPE_FIELDS[t], m) for t, m in tiktok.TYPE_DATA.items()),
        (tiktok_delivery.NOTIFICATION, tiktok.Notification),
    ]
    assert [d for shape, model in tables for d in _differences(shape, model)] == []


def _samples() -> list[tuple[Shape, type[BaseModel], dict[str, Any]]]:
    samples = []
    for path in sorted((EVENTS / "shopify").glob("*.json")):
        sample = json.loads(path.read_text())
        topic = sample["headers"]["X-Shopify-Topic"]
        samples.append((shopify_delivery.TOPIC_FIELDS[topic], shopify.TOPIC_PAYLOADS[topic], sample["body"]))
    for path in sorted((EVENTS / "tiktok").glob("*.json")):
        body = json.loads(path.read_text())["body"]
        samples.append(
            (tiktok_delivery.TYPE_FIELDS[body["type"]], tiktok.TYPE_DATA[body["type"]], body["data"])
        )
    return samples


@pytest.mark.parametrize(("shape", "model", "payload"), _samples())
def test_what_a_door_keeps_of_each_sample_reads_as_the_whole_payload_does(
    shape: Shape, model: type[BaseModel], payload: dict[str, Any]
) -> None:
    problems = Problems()
    kept = project(shape, payload, problems)
    assert problems == []
    assert model.model_validate(kept) == model.model_validate(payload)


class _Probe(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # as the payload models are
    text: str | None = None
    int_: int | None = None
    number: float | None = None
    bool_: bool | None = None
    time: datetime | None = None


CANDIDATES = [
    "",
    "abc",
    "12",
    "-7",
    "1.5",
    "007",
    12,
    -3,
    2**70,
    1.0,
    1.5,
    True,
    False,
    [],
    {},
    "2026-05-11T15:06:59.110521905Z",
    "2026-05-11T10:00:00-04:00",
    "2026-05-11 10:00",
    "2026-05-11T10:00:00+0530",
    "2026-13-11T10:00:00Z",
    "2026-05-11",
    "20260511T100000",
]
PROBE_FIELD = {
    Kind.TEXT: "text",
    Kind.INT: "int_",
    Kind.NUMBER: "number",
    Kind.BOOL: "bool_",
    Kind.TIME: "time",
}


@pytest.mark.parametrize("kind", list(PROBE_FIELD))
def test_a_value_the_door_accepts_the_processors_model_accepts(kind: Kind) -> None:
    shape = {"value": Field(kind)}
    accepted = [value for value in CANDIDATES if not _problems(shape, {"value": value})]
    refused_by_model = []
    for value in accepted:
        try:
            _Probe.model_validate({PROBE_FIELD[kind]: value})
        except ValidationError:
            refused_by_model.append(value)
    assert accepted and refused_by_model == []


def _problems(shape: Shape, payload: dict[str, Any]) -> list[str]:
    problems = Problems()
    project(shape, payload, problems)
    return list(problems)


def test_what_is_wrong_is_named_by_path_without_its_value() -> None:
    body = {
        "id": 1,
        "title": None,
        "variants": [{"id": 2, "price": None, "inventory_quantity": "many"}],
        "images": {"src": "x"},
        "updated_at": "yesterday",
    }
    assert _problems(shopify_delivery.PRODUCT, body) == [
        "title: Input should be a valid string",
        "updated_at: Input should be a valid datetime",
        "variants.0.price: Input should be a valid string",
        "variants.0.inventory_quantity: Input should be a valid integer",
        "images: Input should be a valid list",
    ]


def test_unread_fields_are_dropped_and_ids_kept_exact() -> None:
    customer = {"id": 2**70, "email": "buyer@example.com", "phone": "+1 555 0100", "first_name": "Ann"}
    body = {"shop_domain": "a.myshopify.com", "customer": customer, "orders_to_redact": [2**65]}
    kept = project(shopify_delivery.TOPIC_FIELDS["customers/redact"], body, Problems())
    assert kept == {"shop_domain": "a.myshopify.com", "customer": {"id": 2**70}, "orders_to_redact": [2**65]}
    assert shopify.CustomerRedactPayload.model_validate(kept).customer.id == str(2**70)


def test_the_message_a_door_builds_is_the_one_the_processor_parses() -> None:
    body = {"type": 1, "shop_id": "7494049642642441621", "timestamp": 5, "data": {"order_id": 2**64}}
    text = queued_message(Source.TIKTOK, "n-1", "1", 5, body, tiktok_shop_id="7494049642642441621")
    message = QueuedWebhook.model_validate_json(text)
    assert (message.source, message.shop, message.tiktok_shop_id) == (
        Source.TIKTOK,
        "",
        "7494049642642441621",
    )
    assert tiktok.Notification.model_validate_json(message.body).data["order_id"] == 2**64


def test_a_tiktok_envelope_without_its_shop_or_time_is_refused_before_its_data_is_read() -> None:
    from connector.webhooks.signatures import tiktok_signature

    raw = json.dumps({"type": 1, "data": {}}).encode()
    headers = {"authorization": tiktok_signature(raw, "key", "secret")}
    with pytest.raises(MalformedWebhookError, match=r"^shop_id: Field required; timestamp: Field required$"):
        tiktok_delivery.from_https(headers, raw, "key", "secret")
