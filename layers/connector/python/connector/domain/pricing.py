"""What the merchant's settings make of a Shopify price and stock before they reach TikTok."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from connector.domain.entities import BufferKind, Direction, PriceRuleKind, SyncSettings


def tiktok_price(shopify_price: Decimal, settings: SyncSettings, decimals: int) -> Decimal:
    """The price rule applied: percent or fixed, up or down, rounded half up to the currency's
    ``decimals``. Not clamped: a rule that leaves nothing to charge is the listing's problem to name."""
    change = (
        shopify_price * settings.price_rule_value / 100
        if settings.price_rule_kind is PriceRuleKind.PERCENT
        else settings.price_rule_value
    )
    price = (
        shopify_price + change if settings.price_rule_direction is Direction.UP else shopify_price - change
    )
    return price.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def tiktok_quantity(shopify_available: int, settings: SyncSettings) -> int:
    """Stock offered on TikTok: what Shopify has, less the buffer kept back, never negative."""
    available = max(0, shopify_available)
    if settings.inventory_buffer_kind is BufferKind.UNITS:
        kept = settings.inventory_buffer_value
    else:  # a percent of the stock, rounded up so the buffer is never smaller than asked
        kept = -(-available * settings.inventory_buffer_value // 100)
    return max(0, available - kept)
