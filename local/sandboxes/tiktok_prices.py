"""SKU prices as the TikTok sandbox checks and keeps them, on Create Product, Partial Edit Product
and Update Price.

- ``price.amount`` must lie in the shop region's allowable range ("Product pricing", local sellers'
  table; ``PRICE_RANGES``), else 12052570 "product price exceed limit"; a JPY, IDR or VND amount
  must be whole (those currencies are priced without a minor unit), else 12052073 "The product price
  is invalid".
- ``list_price`` and ``external_list_prices`` ("Applicable only for the US market"): elsewhere
  12052376 "list price not support"; an amount outside [0.01, 7600] is 12052383 "product list price
  exceed limit"; a currency other than USD, an amount that is no number or a source other than
  SHOPIFY_COMPARE_AT_PRICE is 12052375 "product list price is invalid" where the endpoint's error
  table has it (Create, Partial Edit), else 12052910 "Invalid input parameters" (Update Price).
- A list price below the SKU's price is accepted and discarded ("must be equal to or greater than
  skus.price.amount. Otherwise, it will be discarded"); a kept one is what Get Product answers in
  ``skus[].list_price`` / ``skus[].external_list_prices``. (TikTok also has its audit team verify a
  list price before Get Product shows it; the sandbox takes every one it keeps as verified.)

Codes from the three endpoints' error tables (202309 Create Product and Update Price, 202509
Partial Edit Product).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from local.sandboxes.tiktok_codes import ApiFailure, JsonObject

PRICE_INVALID = 12052073  # "The product price is invalid"
PRICE_EXCEEDS_LIMIT = 12052570  # "product price exceed limit"
LIST_PRICE_INVALID = 12052375  # "product list price is invalid" (not in Update Price's table)
LIST_PRICE_NOT_SUPPORTED = 12052376  # "list price not support"
LIST_PRICE_EXCEEDS_LIMIT = 12052383  # "product list price exceed limit"
INVALID_INPUT = 12052910  # "Invalid input parameters. Refer to the API documentation for details."

# "Product pricing", local sellers: the allowable price range per region, in the region's currency.
_RANGES = {
    ("BR",): ("0.5", "10000"),
    ("FR", "DE", "IE", "IT", "ES"): ("0.01", "6300"),
    ("ID",): ("100", "100000000"),
    ("JP",): ("1", "500000"),
    ("MY",): ("0.01", "320000"),
    ("MX",): ("1", "50000"),
    ("PH",): ("0.01", "400000"),
    ("SG",): ("0.01", "10000"),
    ("TH",): ("30", "260000"),
    ("GB", "UK"): ("0.01", "5600"),
    ("US",): ("0.01", "7600"),
    ("VN",): ("1", "180000000"),
}
PRICE_RANGES = {
    region: (Decimal(low), Decimal(high)) for regions, (low, high) in _RANGES.items() for region in regions
}
WHOLE_UNIT_CURRENCIES = frozenset({"JPY", "IDR", "VND"})
# list_price.amount and external_list_prices.amount: "Valid range: [0.01, 7600]"; currency "USD".
LIST_PRICE_RANGE = (Decimal("0.01"), Decimal("7600"))
LIST_PRICE_REGIONS = frozenset({"US"})
LIST_PRICE_SOURCES = frozenset({"SHOPIFY_COMPARE_AT_PRICE"})


def check_sku_prices(sku: JsonObject, region: str, list_price_invalid: int = LIST_PRICE_INVALID) -> None:
    """A SKU's ``price``, ``list_price`` and ``external_list_prices`` in a request body."""
    price = sku.get("price")
    check_price(price if isinstance(price, dict) else {}, region)
    given = _list_prices(sku)
    if given and region not in LIST_PRICE_REGIONS:
        raise ApiFailure(LIST_PRICE_NOT_SUPPORTED, f"list price not support: not in {region}, only the US")
    for name, entry in given:
        amount = _decimal(entry.get("amount")) if isinstance(entry, dict) else None
        if amount is None or entry.get("currency") != "USD":
            raise ApiFailure(list_price_invalid, f"product list price is invalid: {name} needs a USD amount")
        if name.startswith("external") and entry.get("source") not in LIST_PRICE_SOURCES:
            raise ApiFailure(list_price_invalid, f"product list price is invalid: {name}.source")
        low, high = LIST_PRICE_RANGE
        if not low <= amount <= high:
            raise ApiFailure(LIST_PRICE_EXCEEDS_LIMIT, f"product list price exceed limit: [{low}, {high}]")


def check_price(price: JsonObject, region: str) -> None:
    amount, currency = _decimal(price.get("amount")), price.get("currency")
    if amount is None or amount <= 0 or not currency:
        raise ApiFailure(PRICE_INVALID, "The product price is invalid")
    if currency in WHOLE_UNIT_CURRENCIES and amount != amount.to_integral_value():
        raise ApiFailure(PRICE_INVALID, f"The product price is invalid: {currency} has no fractional amounts")
    low, high = PRICE_RANGES.get(region, (Decimal(0), Decimal("Infinity")))
    if not low <= amount <= high:
        raise ApiFailure(PRICE_EXCEEDS_LIMIT, f"product price exceed limit: {region} allows {low} to {high}")


def _list_prices(sku: JsonObject) -> list[tuple[str, Any]]:
    """The list prices a SKU in a request gives, each named by where it was given."""
    given: list[tuple[str, Any]] = []
    if sku.get("list_price") is not None:
        given.append(("list_price", sku["list_price"]))
    external = sku.get("external_list_prices")
    if external is not None:
        entries = external if isinstance(external, list) else [None]  # not a list: invalid
        given.extend((f"external_list_prices[{i}]", entry) for i, entry in enumerate(entries))
    return given


def stored_list_prices(given: JsonObject, sale_price: str) -> JsonObject:
    """The list prices of a checked SKU as kept: those below the sale price are discarded."""
    kept: JsonObject = {}
    floor = Decimal(sale_price)
    entry = given.get("list_price")
    if isinstance(entry, dict) and Decimal(str(entry["amount"])) >= floor:
        kept["list_price"] = {"amount": str(entry["amount"]), "currency": entry["currency"]}
    external = [
        {"source": e["source"], "amount": str(e["amount"]), "currency": e["currency"]}
        for e in given.get("external_list_prices") or ()
        if Decimal(str(e["amount"])) >= floor
    ]
    if external:
        kept["external_list_prices"] = external
    return kept


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
