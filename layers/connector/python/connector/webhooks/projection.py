"""Which fields of a webhook payload are kept, and the checks they pass at the door.

A declarative table in plain Python, not pydantic: the doors import only what verification and
queueing need (their cold start, benchmarks/cold_start.py), and the processor validates the kept
payload with its pydantic models (webhooks/shopify.py, webhooks/tiktok.py) when it applies it.
tests/unit/test_projection.py keeps both sides equal: every field a model reads is kept, required
and nullable alike, and whatever passes here validates there.

Values are kept as sent (an id sent as a JSON number stays that exact number; the processor reads
it as a string), unknown fields are dropped: what the processor does not read never reaches a queue
(no customer's address, email or phone, none of a large product's unread fields).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class Kind(Enum):
    """A value's type, each accepting a subset of what the processor's model accepts."""

    TEXT = "a valid string"  # a string, or a number (ids: the processor reads them as exact strings)
    INT = "a valid integer"  # an integer, or a string of digits (TikTok sends some times so)
    NUMBER = "a valid number"
    BOOL = "a valid boolean"
    TIME = "a valid datetime"  # ISO 8601
    OBJECT = "a valid dictionary"  # any object (TikTok's data before its type is known)


@dataclass(frozen=True)
class Field:
    of: Kind | Shape  # a Shape: an object with fields of its own
    required: bool = False
    nullable: bool = False  # null accepted (the model's field is Optional)
    many: bool = False  # a list of them


Shape = Mapping[str, Field]


def required(of: Kind | Shape, *, many: bool = False) -> Field:
    return Field(of, required=True, many=many)


def optional(of: Kind | Shape) -> Field:
    """May be absent or null."""
    return Field(of, nullable=True)


def defaulted(of: Kind | Shape, *, many: bool = False) -> Field:
    """May be absent, not null (the processor takes its default)."""
    return Field(of, many=many)


MAX_PROBLEMS = 5
_DIGITS = re.compile(r"-?\d+")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?")


class Problems(list[str]):
    """What is wrong, each as ``path: message`` (never a value: it may be personal data)."""

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(f"{'.'.join(str(p) for p in path) or 'body'}: {message}")


def project(shape: Shape, payload: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    """The payload's fields that ``shape`` keeps, with what is wrong added to ``problems``."""
    return _object(shape, payload, (), problems)


def _object(
    shape: Shape, value: Mapping[str, Any], path: tuple[str | int, ...], problems: Problems
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, field in shape.items():
        if name not in value:
            if field.required:
                problems.add((*path, name), "Field required")
            continue
        kept[name] = _field(field, value[name], (*path, name), problems)
    return kept


def _field(field: Field, value: Any, path: tuple[str | int, ...], problems: Problems) -> Any:
    if value is None:
        if not field.nullable:
            problems.add(path, f"Input should be {_expected(field)}")
        return None
    if not field.many:
        return _one(field.of, value, path, problems)
    if not isinstance(value, list):
        problems.add(path, "Input should be a valid list")
        return value
    return [_one(field.of, item, (*path, i), problems) for i, item in enumerate(value)]


def _one(of: Kind | Shape, value: Any, path: tuple[str | int, ...], problems: Problems) -> Any:
    if not isinstance(of, Kind):
        if not isinstance(value, dict):
            problems.add(path, f"Input should be {Kind.OBJECT.value}")
            return value
        return _object(of, value, path, problems)
    if not _ACCEPTS[of](value):
        problems.add(path, f"Input should be {of.value}")
    return value


def _expected(field: Field) -> str:
    return (
        "a valid list"
        if field.many
        else (field.of.value if isinstance(field.of, Kind) else Kind.OBJECT.value)
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    if isinstance(value, str):
        return _DIGITS.fullmatch(value) is not None
    return _is_number(value) and float(value).is_integer()


def _is_time(value: Any) -> bool:
    if not isinstance(value, str) or not _ISO_TIME.fullmatch(value):
        return False
    try:
        # Shopify may send nanoseconds; Python keeps microseconds, which is enough to check the date.
        datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


_ACCEPTS = {
    Kind.TEXT: lambda v: isinstance(v, str) or _is_number(v),
    Kind.INT: _is_int,
    Kind.NUMBER: _is_number,
    Kind.BOOL: lambda v: isinstance(v, bool),
    Kind.TIME: _is_time,
    Kind.OBJECT: lambda v: isinstance(v, dict),
}
