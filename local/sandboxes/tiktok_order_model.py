"""What a TikTok sandbox order is made of: its buyer and recipient (deterministic fake people), its
line items and the arithmetic of its payment, and Get Price Detail's view of the same amounts.

Shapes as Get Order Detail (orders/get-order-detail.spec.json, 202507) and Get Price Detail
(orders/get-price-detail.spec.json, 202407) give them:

- a line item is one unit: the order of two of a SKU has two line items (the spec's line item has no
  quantity); ``sale_price`` = ``original_price`` - ``seller_discount`` - ``platform_discount``;
- ``payment.sub_total`` = ``original_total_product_price`` - ``seller_discount`` - ``platform_discount``
  ("For the US market, this is pre-tax total amount"); ``shipping_fee`` = ``original_shipping_fee`` -
  ``shipping_fee_seller_discount`` - ``shipping_fee_platform_discount``; ``tax`` = ``product_tax`` +
  ``shipping_fee_tax``; ``total_amount`` = ``sub_total`` + ``shipping_fee`` + ``tax`` (what the buyer
  pays; no retail delivery fee here);
- Get Price Detail: ``sku_sale_price`` = ``sku_list_price`` - the two deductions, ``subtotal`` =
  ``sku_sale_price`` + ``subtotal_tax_amount``, ``shipping_sale_price`` = ``shipping_list_price`` - the
  two shipping deductions, ``tax_amount`` = ``subtotal_tax_amount`` + shipping tax, ``total`` =
  ``sku_list_price`` + ``shipping_list_price``, ``payment`` = ``sku_sale_price`` +
  ``shipping_sale_price`` + ``tax_amount``; per line item the same, the order's shipping split over
  its line items cent by cent.

A recipient is not shown while the order is UNPAID or ON_HOLD ("recipient_address is not available
under UNPAID and ON_HOLD status"); with platform logistics (``shipping_type`` TIKTOK) the name and
phone number are desensitized, as the spec's notes say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from local.sandboxes.tiktok_codes import JsonObject
from local.sandboxes.tiktok_prices import WHOLE_UNIT_CURRENCIES

ZERO = Decimal("0")
HIDDEN_RECIPIENT_STATUSES = frozenset({"UNPAID", "ON_HOLD"})

# Deterministic fake people: distinctive names, streets and phone numbers a test can search for.
FIRST_NAMES = ("Ottoline", "Barnaby", "Wilhelmina", "Cosmo", "Perpetua", "Thaddeus", "Isadora", "Lysander")
LAST_NAMES = ("Quillfeather", "Marchbanks", "Thistlewood", "Pemberton-Vane", "Brackenridge", "Oddfellow")
STREETS = ("Lantern Quay", "Juniper Hollow Rd", "Copperbeech Ave", "Fiddlehead Ln", "Marigold Terrace")
# (state, state code, county, city, postal code) of a fake address, as the spec's US example.
PLACES = (
    ("California", "CA", "Santa Clara County", "San Jose", "95110"),
    ("New York", "NY", "Kings County", "Brooklyn", "11201"),
    ("Texas", "TX", "Travis County", "Austin", "78701"),
    ("Washington", "WA", "King County", "Seattle", "98101"),
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    phone_number: str
    address_line1: str
    address_line2: str
    state: str
    state_code: str
    county: str
    city: str
    postal_code: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def fake_person(number: int) -> Person:
    """The ``number``-th buyer of a sandbox: the same person for the same number, always."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    state, code, county, city, postal = PLACES[number % len(PLACES)]
    return Person(
        first_name=first,
        last_name=last,
        phone_number=f"(+1)555-01{number % 100:02d}-{1000 + number % 9000}",
        address_line1=f"{100 + number} {STREETS[number % len(STREETS)]}",
        address_line2=f"Unit {number % 50 + 1}",
        state=state,
        state_code=code,
        county=county,
        city=city,
        postal_code=postal,
        # buyer_email is "the anonymized email address of the buyer"
        email=f"{first.lower()}.{number:04d}@scs.tiktokw.us",
    )


def recipient_address(person: Person, region: str, overrides: Mapping[str, Any] | None = None) -> JsonObject:
    """``recipient_address`` of Get Order Detail for ``person``; ``overrides`` replaces any field."""
    place = f"{person.city}, {person.state_code} {person.postal_code}"
    full = f"{person.address_line1}, {person.address_line2}, {place}"
    address: JsonObject = {
        "name": person.name,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone_number": person.phone_number,
        "address_line1": person.address_line1,
        "address_line2": person.address_line2,
        "address_line3": "",
        "address_line4": "",
        "address_detail": person.address_line2,
        "full_address": full,
        "postal_code": person.postal_code,
        "region_code": region,
        "district_info": [
            {"address_level_name": "Country", "address_name": "United States", "address_level": "L0"},
            {"address_level_name": "State", "address_name": person.state, "address_level": "L1"},
            {"address_level_name": "County", "address_name": person.county, "address_level": "L2"},
            {"address_level_name": "City", "address_name": person.city, "address_level": "L3"},
        ],
        "delivery_preferences": {"drop_off_location": "Front Door"},
    }
    address.update(overrides or {})
    return address


def desensitized(address: JsonObject) -> JsonObject:
    """The recipient as platform logistics orders show it: name and phone number masked."""
    name, phone = str(address.get("name", "")), str(address.get("phone_number", ""))
    masked = dict(address)
    masked["name"] = f"{name[:1]}***{name[-1:]}" if name else ""
    masked["phone_number"] = f"{phone[:9]}***{phone[-4:]}" if len(phone) > 13 else "***"
    return masked


def places(currency: str) -> Decimal:
    return Decimal("1") if currency in WHOLE_UNIT_CURRENCIES else Decimal("0.01")


def money(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(places(currency), rounding=ROUND_HALF_UP))


def amount(value: Any, default: str = "0") -> Decimal:
    return Decimal(str(value if value not in (None, "") else default))


def line_prices(item: Mapping[str, Any]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(original_price, seller_discount, platform_discount, sale_price) of one unit, from whichever of
    them the caller gave: sale_price alone is the original price without discount; both prices without
    a discount make the difference the seller's; a sale price that does not add up is refused."""
    seller, platform = amount(item.get("seller_discount")), amount(item.get("platform_discount"))
    given_sale = item.get("sale_price")
    if item.get("original_price") not in (None, ""):
        original = amount(item["original_price"])
        if given_sale not in (None, "") and "seller_discount" not in item and "platform_discount" not in item:
            seller = original - amount(given_sale)
    elif given_sale not in (None, ""):
        original = amount(given_sale) + seller + platform
    else:
        original = Decimal("10.00")
    sale = original - seller - platform
    if given_sale not in (None, "") and amount(given_sale) != sale:
        raise ValueError(
            f"sale_price {given_sale} is not original_price - seller_discount - platform_discount"
        )
    if min(original, seller, platform, sale) < 0:
        raise ValueError("prices and discounts must not be negative, nor discounts exceed the price")
    return original, seller, platform, sale


def split_evenly(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """``total`` over ``parts`` in whole minor units, the remainder on the first parts."""
    if parts <= 0:
        return []
    unit = places(currency)
    units = int((total / unit).to_integral_value(rounding=ROUND_HALF_UP))
    base, extra = divmod(units, parts)
    return [(base + (1 if index < extra else 0)) * unit for index in range(parts)]


def payment(
    lines: Iterable[Mapping[str, Any]],
    currency: str,
    *,
    shipping_fee: Decimal,
    shipping_seller_discount: Decimal,
    shipping_platform_discount: Decimal,
    shipping_fee_tax: Decimal,
) -> JsonObject:
    """Get Order Detail's ``payment`` of an order's (stored) line items."""
    items = list(lines)
    original = sum((amount(i["original_price"]) for i in items), ZERO)
    seller = sum((amount(i["seller_discount"]) for i in items), ZERO)
    platform = sum((amount(i["platform_discount"]) for i in items), ZERO)
    product_tax = sum((amount(i["_tax"]) for i in items), ZERO)
    sub_total = original - seller - platform
    shipping = shipping_fee - shipping_seller_discount - shipping_platform_discount
    tax = product_tax + shipping_fee_tax
    fields = {
        "sub_total": sub_total,
        "shipping_fee": shipping,
        "seller_discount": seller,
        "platform_discount": platform,
        "total_amount": sub_total + shipping + tax,
        "original_total_product_price": original,
        "original_shipping_fee": shipping_fee,
        "shipping_fee_seller_discount": shipping_seller_discount,
        "shipping_fee_platform_discount": shipping_platform_discount,
        "shipping_fee_cofunded_discount": ZERO,
        "tax": tax,
        "product_tax": product_tax,
        "shipping_fee_tax": shipping_fee_tax,
        "retail_delivery_fee": ZERO,
    }
    return {"currency": currency, **{name: money(value, currency) for name, value in fields.items()}}


def price_detail(order: Mapping[str, Any]) -> JsonObject:
    """Get Price Detail of an order, whole and per line item, from the amounts of its payment."""
    currency = order["payment"]["currency"]
    items = order["line_items"]
    shipping = order["_shipping"]
    shares = {
        key: split_evenly(shipping[key], len(items), currency)
        for key in ("fee", "seller_discount", "platform_discount", "tax")
    }
    per_line = [
        _price_numbers(
            [item],
            {key: shares[key][index] for key in shares},
            currency,
            order["_tax_rate"],
        )
        | {"id": item["id"]}
        for index, item in enumerate(items)
    ]
    for line in per_line:  # the line item's table spells the COD fee with tax cod_fee_amount
        line["cod_fee_amount"] = line.pop("cod_fee_net_amount")
    whole = _price_numbers(items, shipping, currency, order["_tax_rate"])
    return {**whole, "line_items": per_line}


def _price_numbers(
    items: list[Mapping[str, Any]], shipping: Mapping[str, Decimal], currency: str, rate: Decimal
) -> JsonObject:
    list_price = sum((amount(i["original_price"]) for i in items), ZERO)
    seller = sum((amount(i["seller_discount"]) for i in items), ZERO)
    platform = sum((amount(i["platform_discount"]) for i in items), ZERO)
    product_tax = sum((amount(i["_tax"]) for i in items), ZERO)
    sale = list_price - seller - platform
    shipping_sale = shipping["fee"] - shipping["seller_discount"] - shipping["platform_discount"]
    tax = product_tax + shipping["tax"]
    numbers = {
        "total": list_price + shipping["fee"],
        "payment": sale + shipping_sale + tax,
        "sku_list_price": list_price,
        "sku_sale_price": sale,
        "subtotal": sale + product_tax,
        "subtotal_deduction_seller": seller,
        "subtotal_deduction_platform": platform,
        "subtotal_tax_amount": product_tax,
        "shipping_list_price": shipping["fee"],
        "shipping_sale_price": shipping_sale,
        "shipping_fee_deduction_seller": shipping["seller_discount"],
        "shipping_fee_deduction_platform": shipping["platform_discount"],
        "tax_amount": tax,
        "net_price_amount": sale + product_tax,
        "cod_fee": ZERO,
        "cod_fee_net_amount": ZERO,
        "sku_gift_original_price": ZERO,
        "sku_gift_net_price": ZERO,
    }
    return {
        "currency": currency,
        "tax_rate": str(rate),
        **{name: money(value, currency) for name, value in numbers.items()},
    }
