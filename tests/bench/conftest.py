"""The quick benchmark run goes on beside the rest of the suite: it starts once the session has
collected its tests, on the machine's second core (mostly idle while tests wait on their sandboxes
and DynamoDB Local), and its test runs last, to read what it printed."""

from __future__ import annotations

import pytest

from tests.bench.test_bench_quick import quick_run

BENCH = "tests/bench/"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    bench = [item for item in items if item.nodeid.startswith(BENCH)]
    if bench:
        items[:] = [item for item in items if not item.nodeid.startswith(BENCH)] + bench


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(item.nodeid.startswith(BENCH) for item in session.items):
        quick_run.start()


def pytest_sessionfinish() -> None:
    quick_run.stop()
