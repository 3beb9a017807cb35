"""The dashboard's cold start loads its first route's code only: the other routes' shapes and merchant
modules come when one of them is first called; each shape is still named by connector.api.schemas."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from pydantic import BaseModel

from connector.api import schemas
from tests.unit.fresh_interpreter import modules_loaded_by

# What GET /v1/dashboard does not use: loading any of it with the handler costs every cold start.
RARE_MODULES = {
    *(f"connector.api.schemas_{module}" for module in set(schemas._ELSEWHERE.values())),
    "connector.merchant.actions",
    "connector.merchant.listing",
    "connector.merchant.pages",
    "connector.merchant.billing",
    "connector.merchant.errors",
    "connector.cursor",
    "connector.merchant.sales",
    "connector.merchant.tiktok_connection",
    "connector.health",
    "connector.jobs",
    # the sales code: the sales route's periods are in domain/sales_periods.py
    "connector.domain.sales",
    "connector.domain.changes",
    "connector.dal.sales_days",
}


def test_the_handlers_import_leaves_the_other_routes_code_out() -> None:
    # Given a fresh interpreter; When it imports the dashboard's handler
    loaded = modules_loaded_by("import functions.dashboard.handler")
    # Then the rare routes' modules are not among what it loaded (the check can tell: they exist)
    assert {"functions.dashboard.handler", "connector.api.schemas", "connector.merchant.views"} <= loaded
    assert not loaded & RARE_MODULES


def _models_defined_in(module: str) -> set[str]:
    loaded = importlib.import_module(f"connector.api.schemas_{module}")
    return {
        name
        for name, value in vars(loaded).items()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == loaded.__name__
    }


def test_every_shape_of_the_schemas_modules_is_named_by_schemas() -> None:
    # Given connector/api/schemas_*.py; Then each model defined in one is in the table, with its module
    modules = {
        path.stem.removeprefix("schemas_") for path in Path(schemas.__file__).parent.glob("schemas_*.py")
    }
    defined = {name: module for module in modules for name in _models_defined_in(module)}
    assert defined == schemas._ELSEWHERE


@pytest.mark.parametrize("name", sorted(schemas._ELSEWHERE))
def test_a_shape_named_of_schemas_is_its_modules_class(name: str) -> None:
    module = importlib.import_module(f"connector.api.schemas_{schemas._ELSEWHERE[name]}")
    assert getattr(schemas, name) is getattr(module, name)


def test_schemas_does_not_make_up_names() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = schemas.Nope  # type: ignore[attr-defined]
