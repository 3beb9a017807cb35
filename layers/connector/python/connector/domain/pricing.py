"""What the merchant's settings make of a Shopify price and stock before they reach TikTok."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from connector.domain.entities import BufferKind, Direction, PriceRuleKind, SyncSettings

CENT = Decimal("0.01")


def tiktok_price(shopify_price: Decimal, settings: SyncSettings) -> Decimal:
    """The price rule applied: percent or fixed, up or down, rounded to the cent, never below a cent."""
    change = (
        shopify_price * settings.price_rule_value / 100
        if settings.price_rule_kind is PriceRuleKind.PERCENT
        else settings.price_rule_value
    )
    price = (
        shopify_price + change if settings.price_rule_direction is Direction.UP else shopify_price - change
    )
    return max(CENT, price.quantize(CENT, rounding=ROUND_HALF_UP))


def tiktok_quantity(shopify_available: int, settings: SyncSettings) -> int:
    """Stock offered on TikTok: what Shopify has, less the buffer kept back, never negative."""
    available = max(0, shopify_available)
    if settings.inventory_buffer_kind is BufferKind.UNITS:
        kept = settings.inventory_buffer_value
    else:  # a percent of the stock, rounded up so the buffer is never smaller than asked
        kept = -(-available * settings.inventory_buffer_value // 100)
    return max(0, available - kept)
