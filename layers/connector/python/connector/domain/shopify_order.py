"""A TikTok Shop order as Shopify's ``orderCreate`` takes it (Admin GraphQL 2025-10): pure, no I/O.

What TikTok says (orders/get-order-detail.spec.json, 202507): one line item per unit sold, each with
``original_price`` - ``seller_discount`` - ``platform_discount`` = ``sale_price``; ``payment`` with
``sub_total`` (products after both discounts), ``shipping_fee`` (after both shipping discounts),
taxes and fees, and ``total_amount``, what the buyer paid.

What Shopify gets:

- a line per TikTok SKU and unit price, its quantity the number of TikTok line items, its price the
  unit price after the seller's discount (what the seller charges); a SKU that maps to no variant
  becomes a custom line item (title, price, ``requiresShipping``) and is named in ``unmapped``;
- the platform's discount as the order's one discount code (``itemFixedDiscountCode``, a fixed
  amount: OrderCreateDiscountCodeInput allows one code per order, and a fixed amount is the only kind
  that carries TikTok's exact figure). TikTok pays that amount to the seller, but the buyer did not:
  without it Shopify's total would exceed what the buyer paid and the order would never balance
  against its one SALE transaction of ``total_amount``. So the discount is what the buyer saw;
- one shipping line "TikTok Shop shipping" at ``shipping_fee`` (both shipping discounts already out),
  and one shipping line per other charge the buyer paid (retail delivery fee, ...): orderCreate has
  no other place for a charge that is not an item;
- taxes as TikTok reports them, with their amounts (``priceSet``) and a rate: on each line from its
  items' ``item_tax`` (or Get Price Detail's per-line tax) when those add up to the product tax,
  else one order-level tax line (orderCreate takes tax lines on the order or on the lines, not both);
  the shipping fee's tax on the shipping line. ``taxesIncluded`` follows TikTok's arithmetic: true
  only when ``total_amount`` already holds the taxes (prices with VAT);
- the recipient address, the (anonymized) buyer email, a PAID financial status with one successful
  SALE transaction of ``total_amount`` through the "TikTok Shop" gateway, ``processedAt`` the TikTok
  creation time, ``sourceName`` "tiktok", ``sourceIdentifier`` the TikTok order id.

Money is ``Decimal`` here and a decimal string on the wire, never a float.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from connector.clients.shopify.ids import to_gid
from connector.values import Private

if TYPE_CHECKING:  # named in annotations only: importing this module does not build the models
    from connector.clients.tiktok.models import (
        Payment,
        PriceDetail,
        RecipientAddress,
        TikTokLineItem,
        TikTokOrder,
    )

GATEWAY = "TikTok Shop"
SOURCE_NAME = "tiktok"
TAGS = ("TikTok Shop",)
SHIPPING_TITLE = "TikTok Shop shipping"
PLATFORM_DISCOUNT_CODE = "TIKTOK_PLATFORM_DISCOUNT"
# OrderCreateOptionsInput: claim stock as the variant's inventory policy allows; TikTok tells the buyer.
OPTIONS = {
    "inventoryBehaviour": "DECREMENT_OBEYING_POLICY",
    "sendReceipt": False,
    "sendFulfillmentReceipt": False,
}
ZERO = Decimal(0)
RATE_PLACES = Decimal("0.000001")

# The buyer-paid charges of Get Order Detail's payment besides products, shipping and taxes, each
# with the title of its shipping line. item_insurance_tax is the tax on item_insurance_fee.
FEES = (
    ("retail_delivery_fee", "Retail delivery fee"),
    ("small_order_fee", "Small order fee"),
    ("buyer_service_fee", "Buyer service fee"),
    ("handling_fee", "Handling fee"),
    ("shipping_insurance_fee", "Shipping insurance"),
    ("item_insurance_fee", "Item insurance"),
)
TAX_TITLES = {"SALES_TAX": "Sales tax"}  # item_tax[].tax_type: "Currently only sales tax"

# District levels by the names Get Order Detail documents for address_level_name ("state/county/city/
# district/town etc."; L0 is the country), best first.
PROVINCE_LEVELS = ("state", "province", "prefecture", "region")
CITY_LEVELS = ("city", "town", "district")
# US states and territories: Shopify's provinceCode for the US is the USPS code (MailingAddressInput
# "provinceCode ... For example QC for Quebec"); TikTok names the state.
# fmt: off
US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN",
    "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO",
    "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH",
    "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI",
    "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT",
    "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "puerto rico": "PR", "guam": "GU", "virgin islands": "VI",
    "american samoa": "AS", "northern mariana islands": "MP",
}
# fmt: on
E164 = re.compile(r"\+[1-9]\d{6,14}")


class OrderDraftError(ValueError):
    """A TikTok order that cannot become a Shopify order as it stands."""


class OrderWithoutLinesError(OrderDraftError):
    """TikTok's order has no line items: there is nothing to create in Shopify."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"TikTok order {order_id} has no line items")
        self.order_id = order_id


class ShopifyOrderDraft(Private, frozen=True):
    """``orderCreate``'s ``order`` (OrderCreateOrderInput) and ``options`` (OrderCreateOptionsInput).

    ``order`` holds the buyer's address and email, so it stays out of repr. ``total`` is TikTok's
    ``total_amount``, the SALE transaction; ``shopify_total`` what Shopify's arithmetic makes of
    ``order`` (lines - discount + shipping lines + taxes unless included): they differ only when
    TikTok's own figures do not add up, which ``balanced`` tells."""

    hidden = frozenset({"order"})

    order: dict[str, Any]
    options: dict[str, Any]
    unmapped: tuple[str, ...]
    source_identifier: str
    currency: str
    total: Decimal
    shopify_total: Decimal

    @property
    def balanced(self) -> bool:
        return self.total == self.shopify_total


def shopify_order_input(
    order: TikTokOrder, variants: Mapping[str, str], *, price_detail: PriceDetail | None = None
) -> ShopifyOrderDraft:
    """The Shopify order for a TikTok order; ``variants`` maps TikTok SKU ids to numeric Shopify
    variant ids, ``price_detail`` (Get Price Detail) gives per-line taxes where the order has none."""
    if not order.line_items:
        raise OrderWithoutLinesError(order.order_id)
    paid = order.payment
    currency = (
        paid.currency or order.currency or next((i.currency for i in order.line_items if i.currency), "")
    )
    if not currency:
        raise OrderDraftError(f"TikTok order {order.order_id} names no currency")

    def bag(amount: Decimal) -> dict[str, Any]:
        """MoneyBagInput in the shop's currency (presentment assumed the same)."""
        return {"shopMoney": {"amount": _text(amount), "currencyCode": currency}}

    groups: dict[tuple[str, Decimal], list[TikTokLineItem]] = {}
    for item in order.line_items:
        groups.setdefault((item.sku_id, seller_unit_price(item)), []).append(item)

    tax_types = {tax.tax_type for item in order.line_items for tax in item.item_tax}
    title = next((TAX_TITLES[t] for t in sorted(tax_types) if t in TAX_TITLES), "Tax")
    shipping_tax = money(paid.shipping_fee_tax)
    insurance_tax = money(paid.item_insurance_tax)
    by_line = {line.line_item_id: line for line in price_detail.line_items} if price_detail else {}
    group_taxes = {key: _line_taxes(items, by_line) for key, items in groups.items()}
    line_taxes = sum((amount for taxes in group_taxes.values() for _, amount, _ in taxes), ZERO)
    if paid.product_tax:
        product_tax = money(paid.product_tax)
    elif paid.tax:
        product_tax = max(money(paid.tax) - shipping_tax - insurance_tax, ZERO)
    else:  # no payment figures: the lines' own
        product_tax = line_taxes
    per_line = product_tax > 0 and line_taxes == product_tax

    unmapped: list[str] = []
    lines: list[dict[str, Any]] = []
    for (sku_id, unit), items in groups.items():
        line: dict[str, Any] = {"quantity": len(items), "priceSet": bag(unit)}
        variant_id = variants.get(sku_id)
        if variant_id:
            line["variantId"] = to_gid("ProductVariant", variant_id)
        else:
            if sku_id not in unmapped:
                unmapped.append(sku_id)
            line.update(custom_line(items[0]))
            line["taxable"] = product_tax > 0
        if per_line and group_taxes[(sku_id, unit)]:
            base = sum((money(i.sale_price) for i in items), ZERO)
            line["taxLines"] = [
                {
                    "title": TAX_TITLES.get(kind, title),
                    "rate": _rate(amount, base, rate),
                    "priceSet": bag(amount),
                }
                for kind, amount, rate in group_taxes[(sku_id, unit)]
            ]
        lines.append(line)
    lines_total = sum((unit * len(items) for (_, unit), items in groups.items()), ZERO)

    platform_discount = (
        money(paid.platform_discount)
        if paid.platform_discount
        else sum((money(i.platform_discount) for i in order.line_items), ZERO)
    )
    products = money(paid.sub_total) if paid.sub_total else lines_total - platform_discount
    shipping_lines, shipping, fees = _shipping_lines(paid, title, bag)
    taxes = product_tax + shipping_tax + (insurance_tax if money(paid.item_insurance_fee) > 0 else ZERO)
    before_tax = lines_total - platform_discount + shipping + fees
    total = money(paid.total_amount) if paid.total_amount else before_tax + taxes
    # TikTok: total_amount = sub_total + shipping_fee + taxes (+ fees). Prices that already hold the
    # tax (VAT) show as a total that adds up without it.
    taxes_included = taxes > 0 and total == before_tax
    shopify_total = before_tax + (ZERO if taxes_included else taxes)

    draft: dict[str, Any] = {
        "currency": currency,
        "lineItems": lines,
        "shippingLines": shipping_lines,
        "taxesIncluded": taxes_included,
        "financialStatus": "PAID",
        "transactions": [_transaction(order, bag(total))],
        "sourceName": SOURCE_NAME,
        "sourceIdentifier": order.order_id,
        "tags": list(TAGS),
    }
    if product_tax > 0 and not per_line:
        draft["taxLines"] = [
            {"title": title, "rate": _rate(product_tax, products), "priceSet": bag(product_tax)}
        ]
    if platform_discount > 0:
        draft["discountCode"] = {
            "itemFixedDiscountCode": {"code": PLATFORM_DISCOUNT_CODE, "amountSet": bag(platform_discount)}
        }
    if order.create_time:
        draft["processedAt"] = iso_time(order.create_time)
    if order.recipient_address is not None:
        address = shipping_address(order.recipient_address)
        if address:
            draft["shippingAddress"] = address
    if order.buyer_email:
        draft["email"] = order.buyer_email
    if order.buyer_message:
        draft["note"] = order.buyer_message
    return ShopifyOrderDraft(
        order=draft,
        options=dict(OPTIONS),
        unmapped=tuple(unmapped),
        source_identifier=order.order_id,
        currency=currency,
        total=total,
        shopify_total=shopify_total,
    )


def _shipping_lines(
    paid: Payment, title: str, bag: Callable[[Decimal], dict[str, Any]]
) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
    """OrderCreateShippingLineInput: TikTok's shipping after both its discounts (its tax on it), then
    a line per other charge the buyer paid; with the shipping fee and the charges' sum."""
    shipping = (
        money(paid.shipping_fee)
        if paid.shipping_fee
        else max(
            money(paid.original_shipping_fee)
            - money(paid.shipping_fee_seller_discount)
            - money(paid.shipping_fee_platform_discount),
            ZERO,
        )
    )
    shipping_tax, insurance_tax = money(paid.shipping_fee_tax), money(paid.item_insurance_tax)
    shipping_line: dict[str, Any] = {"title": SHIPPING_TITLE, "priceSet": bag(shipping)}
    if shipping_tax > 0:
        shipping_line["taxLines"] = [
            {"title": title, "rate": _rate(shipping_tax, shipping), "priceSet": bag(shipping_tax)}
        ]
    lines = [shipping_line]
    fees = ZERO
    for name, label in FEES:
        fee = money(getattr(paid, name))
        if fee <= 0:
            continue
        fees += fee
        fee_line: dict[str, Any] = {"title": f"TikTok Shop {label.lower()}", "priceSet": bag(fee)}
        if name == "item_insurance_fee" and insurance_tax > 0:
            fee_line["taxLines"] = [
                {"title": title, "rate": _rate(insurance_tax, fee), "priceSet": bag(insurance_tax)}
            ]
        lines.append(fee_line)
    return lines, shipping, fees


def seller_unit_price(item: TikTokLineItem) -> Decimal:
    """A unit's price after the seller's discount and before the platform's."""
    if item.original_price:
        return money(item.original_price) - money(item.seller_discount)
    return money(item.sale_price) + money(item.platform_discount)


def custom_line(item: TikTokLineItem) -> dict[str, Any]:
    """What a line without a Shopify variant carries instead (OrderCreateLineItemInput)."""
    names = [name for name in (item.product_name.strip(), item.sku_name.strip()) if name]
    line: dict[str, Any] = {
        "title": " - ".join(names) or f"TikTok SKU {item.sku_id}",
        "requiresShipping": True,
    }
    if item.seller_sku:
        line["sku"] = item.seller_sku
    return line


def shipping_address(address: RecipientAddress) -> dict[str, str]:
    """MailingAddressInput from TikTok's recipient address; empty fields are left out."""
    first, last = split_name(address)
    named = {level.level_name.strip().lower(): level.name.strip() for level in address.district_info}
    city = address.post_town.strip() or _first(named, CITY_LEVELS) or _deepest(address)
    province = _first(named, PROVINCE_LEVELS)
    country = address.region_code.strip().upper()
    country = "GB" if country == "UK" else country  # ISO 3166's code, which CountryCode uses
    extra = ", ".join(line.strip() for line in (address.address_line3, address.address_line4) if line.strip())
    second = ", ".join(part for part in (address.address_line2.strip(), extra) if part)
    fields = {
        "firstName": first,
        "lastName": last,
        "address1": address.address_line1.strip() or address.address_detail.strip(),
        "address2": second,
        "city": city,
        "zip": address.postal_code.strip(),
        "countryCode": country if re.fullmatch(r"[A-Z]{2}", country) else "",
        "phone": e164(address.phone_number) or "",
    }
    code = US_STATES.get(province.lower()) if country == "US" else None
    if code or re.fullmatch(r"[A-Z]{2,3}", province):
        fields["provinceCode"] = code or province
    else:
        # Only the name is known: MailingAddressInput's ``province`` (deprecated for provinceCode,
        # still in 2025-10) is the field that takes a name.
        fields["province"] = province
    return {key: value for key, value in fields.items() if value}


def split_name(address: RecipientAddress) -> tuple[str, str]:
    """(first, last): TikTok's own when it has both; else its one name split at the last space
    ("If the buyer does not provide their first and last name separately", first_name = name)."""
    first, last = address.first_name.strip(), address.last_name.strip()
    if first and last:
        return first, last
    whole = address.name.strip() or first or last
    head, _, tail = whole.rpartition(" ")
    return head.strip(), tail


def e164(phone: str) -> str | None:
    """A phone number as E.164 (MailingAddressInput.phone), or None: masked numbers ("(+1)213-***-
    1234", TikTok logistics) and numbers without a country code are left out."""
    if "*" in phone:
        return None
    compact = re.sub(r"[^\d+]", "", phone)
    return compact if E164.fullmatch(compact) else None


def iso_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(value: str | None) -> Decimal:
    """A TikTok amount ("" when left out: zero)."""
    if not value:
        return ZERO
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise OrderDraftError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise OrderDraftError(f"not an amount: {value!r}")
    return amount


def _text(amount: Decimal) -> str:
    return format(amount + 0, "f")  # + 0: no "-0"


def _rate(amount: Decimal, base: Decimal, given: str = "") -> str:
    """OrderCreateTaxLineInput.rate ("The proportion of the item price that the tax represents"):
    TikTok's when it gives a proportion, else the amount over the base, 0 on a zero base."""
    try:
        rate = Decimal(given) if given else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not ZERO <= rate <= 1:
        rate = (amount / base).quantize(RATE_PLACES) if base > 0 else ZERO
    return _text(rate.normalize()) if rate else "0"


def _line_taxes(
    items: Iterable[TikTokLineItem], price_lines: Mapping[str, PriceDetail]
) -> list[tuple[str, Decimal, str]]:
    """(tax type, amount, TikTok's rate or "") per tax type of a group of units: from each unit's
    item_tax, else from Get Price Detail's line (subtotal_tax_amount)."""
    amounts: dict[str, Decimal] = {}
    rates: dict[str, set[str]] = {}
    for item in items:
        found = [(tax.tax_type, money(tax.tax_amount), tax.tax_rate) for tax in item.item_tax]
        detail = price_lines.get(item.line_item_id)
        if not found and detail is not None and money(detail.subtotal_tax_amount) > 0:
            found = [("", money(detail.subtotal_tax_amount), detail.tax_rate)]
        for kind, amount, rate in found:
            amounts[kind] = amounts.get(kind, ZERO) + amount
            rates.setdefault(kind, set()).add(rate)
    return [
        (kind, amount, next(iter(rates[kind])) if len(rates[kind]) == 1 else "")
        for kind, amount in amounts.items()
        if amount > 0
    ]


def _first(named: Mapping[str, str], wanted: Iterable[str]) -> str:
    return next((named[name] for name in wanted if named.get(name)), "")


def _deepest(address: RecipientAddress) -> str:
    """The name of the finest division below the state (L2 and deeper), when none is named a city."""
    below = [
        level for level in address.district_info if level.level.upper() in ("L2", "L3", "L4") and level.name
    ]
    return max(below, key=lambda level: level.level.upper()).name.strip() if below else ""


def _transaction(order: TikTokOrder, amount: dict[str, Any]) -> dict[str, Any]:
    """OrderCreateOrderTransactionInput: the buyer's payment, taken by TikTok."""
    transaction: dict[str, Any] = {
        "kind": "SALE",
        "status": "SUCCESS",
        "gateway": GATEWAY,
        "amountSet": amount,
    }
    if order.paid_time:
        transaction["processedAt"] = iso_time(order.paid_time)
    return transaction
