"""A client's errors and models (and the rest of its plain-Python modules) load without the HTTP stack,
so code that only names them does not pay for ``requests``; its operations do load it."""

from __future__ import annotations

import pytest

from tests.unit.fresh_interpreter import modules_loaded_by

HTTP_MODULES = ("requests", "urllib3")

PLAIN_MODULES = {
    "tiktok": ["errors", "models", "parsing", "signing"],
    "shopify": ["errors", "models", "ids", "documents", "parsing", "bulk"],
}
OPERATIONS_MODULES = {"tiktok": ["auth", "shop"], "shopify": ["admin", "shop"]}


def modules(client: str, names: list[str]) -> list[str]:
    return [f"connector.clients.{client}.{name}" for name in names]


def loaded_after_importing(*names: str) -> set[str]:
    return modules_loaded_by("\n".join(f"import {name}" for name in names))


@pytest.mark.parametrize("client", sorted(PLAIN_MODULES))
def test_errors_and_models_load_without_requests(client: str) -> None:
    # Given a fresh interpreter; When it imports the client's plain modules
    loaded = loaded_after_importing(*modules(client, PLAIN_MODULES[client]))
    # Then neither the HTTP stack nor the client's transport was loaded with them
    assert f"connector.clients.{client}.errors" in loaded
    assert f"connector.clients.{client}.models" in loaded
    assert not loaded & {*HTTP_MODULES, f"connector.clients.{client}.transport"}


@pytest.mark.parametrize("client", sorted(OPERATIONS_MODULES))
def test_the_operations_load_requests(client: str) -> None:
    # Given a fresh interpreter; When it imports the client's operations
    loaded = loaded_after_importing(*modules(client, OPERATIONS_MODULES[client]))
    # Then requests came with them (so the test above can tell)
    assert {"requests", f"connector.clients.{client}.transport"} <= loaded
