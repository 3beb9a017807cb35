"""The connector's immutable values: msgspec Structs rather than stdlib dataclasses.

Why not dataclasses: on CPython 3.11 a frozen dataclass costs about 0.6 ms to define (each
generated method goes through exec), and the connector defines over a hundred of them, most on
every function's import path; msgspec builds a Struct's class in C in a few microseconds
(benchmarks/cold_start.py). A Struct is slotted, equal and hashable by its fields like a frozen
dataclass; ``replace`` is msgspec's counterpart of ``dataclasses.replace``.

The webhook doors' modules (settings, webhooks/door, projection, shopify_delivery,
tiktok_delivery) keep their few values as stdlib dataclasses: a door imports botocore and the
standard library only, and msgspec would be 5 % of its import.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec
from msgspec import field
from msgspec.structs import replace

__all__ = ["Private", "Value", "field", "replace"]


class Value(msgspec.Struct, frozen=True):
    """A frozen value: its subclasses are frozen too, equal and hashable by their fields."""


class Private(Value, frozen=True):
    """A value holding what must never reach a log line (a token, a buyer's address): its repr
    shows only the fields not named in ``hidden``."""

    hidden: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        shown = (
            f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__ if name not in self.hidden
        )
        return f"{type(self).__name__}({', '.join(shown)})"
