"""The merchant's price rule and stock buffer, the currency's decimals, and the list price (TikTok's
strikethrough price, from Shopify's compare-at price) as the TikTok bodies carry it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector.clients.tiktok import parsing
from connector.clients.tiktok.models import NewSku, SkuPrice, TikTokSku
from connector.domain.entities import BufferKind, Direction, PriceRuleKind, SyncSettings
from connector.domain.pricing import tiktok_price, tiktok_quantity
from connector.listing.regions import Region

TEN_UP = SyncSettings(price_rule_direction=Direction.UP, price_rule_value=Decimal("10"))


@pytest.mark.parametrize(
    ("kind", "direction", "value", "expected"),
    [
        (PriceRuleKind.PERCENT, Direction.UP, "10", "21.99"),
        (PriceRuleKind.PERCENT, Direction.DOWN, "10", "17.99"),
        (PriceRuleKind.FIXED, Direction.UP, "2.50", "22.49"),
        (PriceRuleKind.FIXED, Direction.DOWN, "30", "-10.01"),  # not clamped: the listing names it
        (PriceRuleKind.PERCENT, Direction.UP, "0", "19.99"),
    ],
)
def test_price_rules(kind: PriceRuleKind, direction: Direction, value: str, expected: str) -> None:
    settings = SyncSettings(
        price_rule_kind=kind, price_rule_direction=direction, price_rule_value=Decimal(value)
    )
    assert str(tiktok_price(Decimal("19.99"), settings, 2)) == expected


@pytest.mark.parametrize(
    ("region", "shopify", "expected"),
    [
        ("JP", "1234.5", "1358"),  # 1357.95, half up to the yen
        ("ID", "150000.45", "165000"),  # 165000.495
        ("VN", "99999", "109999"),  # 109998.9
        ("US", "1234.5", "1357.95"),
        ("GB", "0.05", "0.06"),  # 0.055, half up
    ],
)
def test_prices_are_rounded_to_the_currencys_decimals(region: str, shopify: str, expected: str) -> None:
    assert str(tiktok_price(Decimal(shopify), TEN_UP, Region(region).decimals)) == expected


def test_each_region_has_its_currencys_decimals_and_tiktoks_price_range() -> None:
    assert [Region(code).decimals for code in ("JP", "ID", "VN", "US", "GB", "TH", "DE")] == [
        0,
        0,
        0,
        2,
        2,
        2,
        2,
    ]
    assert Region("US").price_range == (Decimal("0.01"), Decimal("7600"))
    assert Region("TH").price_range == (Decimal("30"), Decimal("260000"))
    assert Region("UK").price_range == Region("GB").price_range == (Decimal("0.01"), Decimal("5600"))
    # skus.list_price: "Applicable only for the US market", [0.01, 7600].
    assert Region("US").list_price_range == (Decimal("0.01"), Decimal("7600"))
    assert not any(Region(code).takes_list_price for code in ("GB", "JP", "MY", "DE"))


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


def test_create_product_and_update_price_bodies_carry_the_list_price_when_set() -> None:
    with_list = NewSku("S-1", "9.50", "USD", list_price="12.00").to_body()
    assert with_list["list_price"] == {"amount": "12.00", "currency": "USD"}
    assert "list_price" not in NewSku("S-1", "9.50", "USD").to_body()

    assert SkuPrice("11", "9.50", "USD", "12.00").to_body() == {
        "id": "11",
        "price": {"amount": "9.50", "currency": "USD"},
        "list_price": {"amount": "12.00", "currency": "USD"},
    }
    assert SkuPrice("11", "9.50", "USD").to_body() == {
        "id": "11",
        "price": {"amount": "9.50", "currency": "USD"},
    }


def test_get_product_list_price_is_read_back_and_kept_by_a_partial_edit() -> None:
    (sku,) = parsing.skus(
        [
            {
                "id": "11",
                "seller_sku": "S-1",
                "price": {"tax_exclusive_price": "9.50", "currency": "USD"},
                "list_price": {"amount": "12.00", "currency": "USD"},
            }
        ]
    )
    assert sku.list_price == "12.00"
    assert parsing.skus([{"id": "12", "price": {"sale_price": "1"}}])[0].list_price == ""
    assert NewSku.listed(sku).list_price == "12.00"
    assert NewSku.listed(sku, "9.00", "").to_body().get("list_price") is None
    assert TikTokSku("13", "S-3").list_price == ""
