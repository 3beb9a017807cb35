from __future__ import annotations

from decimal import Decimal

import pytest

from connector.domain.entities import BufferKind, Direction, PriceRuleKind, SyncSettings
from connector.domain.pricing import tiktok_price, tiktok_quantity


@pytest.mark.parametrize(
    ("kind", "direction", "value", "expected"),
    [
        (PriceRuleKind.PERCENT, Direction.UP, "10", "21.99"),
        (PriceRuleKind.PERCENT, Direction.DOWN, "10", "17.99"),
        (PriceRuleKind.FIXED, Direction.UP, "2.50", "22.49"),
        (PriceRuleKind.FIXED, Direction.DOWN, "30", "0.01"),  # never below a cent
        (PriceRuleKind.PERCENT, Direction.UP, "0", "19.99"),
    ],
)
def test_price_rules(kind: PriceRuleKind, direction: Direction, value: str, expected: str) -> None:
    settings = SyncSettings(
        price_rule_kind=kind, price_rule_direction=direction, price_rule_value=Decimal(value)
    )
    assert tiktok_price(Decimal("19.99"), settings) == Decimal(expected)


@pytest.mark.parametrize(
    ("kind", "value", "available", "expected"),
    [
        (BufferKind.UNITS, 2, 10, 8),
        (BufferKind.UNITS, 5, 3, 0),
        (BufferKind.PERCENT, 10, 15, 13),
        (BufferKind.PERCENT, 0, -4, 0),
    ],
)
def test_inventory_buffer(kind: BufferKind, value: int, available: int, expected: int) -> None:
    settings = SyncSettings(inventory_buffer_kind=kind, inventory_buffer_value=value)
    assert tiktok_quantity(available, settings) == expected
