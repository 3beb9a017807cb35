"""Shopify weights in grams: the import (GraphQL's WeightUnit) and the products webhooks (REST's
weight_unit) read them alike. No imports beyond decimal, so the webhook door can load it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# Grams in one unit of GraphQL's WeightUnit (shopify.dev/docs/api/admin-graphql/2025-10/enums/WeightUnit);
# the ounce and pound are the international avoirdupois ones.
GRAMS_PER_UNIT = {
    "GRAMS": Decimal(1),
    "KILOGRAMS": Decimal(1000),
    "OUNCES": Decimal("28.349523125"),
    "POUNDS": Decimal("453.59237"),
}
GRAM_PRECISION = Decimal("0.001")


def weight_grams(weight: dict[str, Any] | None) -> Decimal | None:
    if not weight or weight.get("value") is None or weight.get("unit") not in GRAMS_PER_UNIT:
        return None
    grams = Decimal(str(weight["value"])) * GRAMS_PER_UNIT[weight["unit"]]
    return grams.quantize(GRAM_PRECISION).normalize() + 0  # + 0: no "-0", no exponent for zero
