"""What both sandboxes keep of the platforms' contracts: each breach a request made (``Violation``),
the known gaps of today's connector they let through (``Gap``, tolerated and recorded apart), and a
register of every sandbox's record, so that a test run can tell that no request broke a contract.

The judges themselves are ``tiktok_contract`` (TikTok's API reference) and ``shopify_contract``
(Shopify's real Admin schema). Nothing is tolerated unless a caller says so: ``make run`` refuses
what the platforms would refuse; the tests tolerate their one allowlist (tests/contract_gaps.py).
"""

from __future__ import annotations

import dataclasses
import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus


@dataclass(frozen=True)
class Violation:
    """One breach: where (TikTok: ``METHOD /path/template``; Shopify: the operation's name, else its
    first field), the field path at fault (when one is), the rule it broke, and what the platform says."""

    where: str
    field: str
    rule: str
    message: str
    code: int = dataclasses.field(default=0, compare=False)  # the platform's error code, if it has one
    http_status: int = dataclasses.field(default=HTTPStatus.OK, compare=False)


@dataclass(frozen=True)
class Gap:
    """A known breach of today's connector, tolerated: ``where`` and ``field`` are patterns in which
    ``*`` stands for anything (``skus[*].inventory[*].warehouse_id``), ``rule`` a rule or ``*``, and
    ``message`` a regular expression the message must contain (empty: any)."""

    where: str
    rule: str = "*"
    field: str = "*"
    message: str = ""
    reason: str = ""

    def covers(self, violation: Violation) -> bool:
        return (
            self.rule in ("*", violation.rule)
            and _glob(self.where).fullmatch(violation.where) is not None
            and _glob(self.field).fullmatch(violation.field) is not None
            and re.search(self.message, violation.message) is not None
        )


@cache
def _glob(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


_records: weakref.WeakSet[ContractRecord] = weakref.WeakSet()
_tolerated_by_default: tuple[Gap, ...] = ()


def records() -> list[ContractRecord]:
    """The record of every sandbox of this process still alive."""
    return list(_records)


def tolerate_by_default(gaps: Iterable[Gap]) -> None:
    """Every record made from now on starts tolerating these (a test session's allowlist)."""
    global _tolerated_by_default
    _tolerated_by_default = tuple(gaps)


class ContractRecord:
    """The breaches one sandbox saw: refused ones (``violations``) and tolerated ones (``tolerated``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gaps: tuple[Gap, ...] = _tolerated_by_default
        self._violations: list[Violation] = []
        self._tolerated: list[Violation] = []
        _records.add(self)

    @property
    def violations(self) -> list[Violation]:
        """Breaches refused (no gap covered them), oldest first."""
        with self._lock:
            return list(self._violations)

    @property
    def tolerated(self) -> list[Violation]:
        """Breaches a tolerated gap covered (the request went on), oldest first."""
        with self._lock:
            return list(self._tolerated)

    def tolerate(self, gaps: Iterable[Gap]) -> None:
        """Tolerate these gaps from now on, in place of those tolerated before."""
        with self._lock:
            self._gaps = tuple(gaps)

    def strict(self) -> None:
        """Tolerate nothing (as the platforms do)."""
        self.tolerate(())

    def clear(self) -> None:
        """Forget the breaches recorded so far (a test that provoked them on purpose); the tolerated
        gaps stay."""
        with self._lock:
            self._violations.clear()
            self._tolerated.clear()

    def record(self, found: Iterable[Violation]) -> list[Violation]:
        """Record each breach; the ones no tolerated gap covers (the request is refused for them)."""
        refused = []
        with self._lock:
            for violation in found:
                if any(gap.covers(violation) for gap in self._gaps):
                    self._tolerated.append(violation)
                else:
                    self._violations.append(violation)
                    refused.append(violation)
        return refused
