"""A TikTok order made into Shopify's orderCreate input (domain/shopify_order.py): lines, the
platform's discount, shipping, taxes and the SALE transaction add up to what the buyer paid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connector.clients.tiktok.models import (
    DistrictLevel,
    ItemTax,
    Payment,
    PriceDetail,
    RecipientAddress,
    TikTokLineItem,
    TikTokOrder,
)
from connector.domain.shopify_order import (
    OrderDraftError,
    OrderWithoutLinesError,
    ShopifyOrderDraft,
    e164,
    shopify_order_input,
)
from connector.values import replace

CREATED = 1_760_000_000  # 2025-10-09T08:53:20Z
PAID = CREATED + 60
HOODIE, CAP, MUG = "1729000000000000001", "1729000000000000002", "1729000000000000003"
VARIANTS = {HOODIE: "44001", CAP: "44002"}


def unit(
    line_id: str, sku_id: str, original: str, seller: str, platform: str, tax: str = "", **changes: Any
) -> TikTokLineItem:
    """One TikTok line item (one unit): sale = original - seller - platform, with its sales tax."""
    sale = Decimal(original) - Decimal(seller) - Decimal(platform)
    item = TikTokLineItem(
        line_item_id=line_id,
        product_id="1730000000000000009",
        sku_id=sku_id,
        seller_sku=f"SELLER-{sku_id[-1]}",
        sale_price=str(sale),
        package_id="1153000000000000001",
        product_name="Trail Hoodie" if sku_id == HOODIE else "Field Cap",
        sku_name="Black, M" if sku_id == HOODIE else "One size",
        original_price=original,
        seller_discount=seller,
        platform_discount=platform,
        currency="USD",
        item_tax=(ItemTax("SALES_TAX", tax, "0.07"),) if tax else (),
    )
    return replace(item, **changes)


ADDRESS = RecipientAddress(
    region_code="US",
    name="Dana Kowalski",
    first_name="Dana",
    last_name="Kowalski",
    phone_number="(+1)408-555-0142",
    address_line1="1199 Coleman Ave",
    address_line2="Apt 4",
    postal_code="95110",
    district_info=(
        DistrictLevel("L0", "Country", "United States"),
        DistrictLevel("L1", "State", "California"),
        DistrictLevel("L2", "County", "Santa Clara"),
        DistrictLevel("L3", "City", "San Jose"),
    ),
    full_address="1199 Coleman Ave Apt 4, San Jose, CA 95110",
)

# Two hoodies at 20.00 less 2.00 (seller) and 1.00 (platform), a cap at 10.00 less 0.50 (platform);
# shipping 7.99 less 1.00 (seller) and 2.00 (platform); 7 % sales tax on what the buyer pays.
PAYMENT = Payment(
    currency="USD",
    original_total_product_price="50.00",
    seller_discount="4.00",
    platform_discount="2.50",
    sub_total="43.50",
    original_shipping_fee="7.99",
    shipping_fee_seller_discount="1.00",
    shipping_fee_platform_discount="2.00",
    shipping_fee="4.99",
    product_tax="3.05",
    shipping_fee_tax="0.35",
    tax="3.40",
    total_amount="51.89",
)
ORDER = TikTokOrder(
    order_id="576461413038785752",
    status="AWAITING_SHIPMENT",
    create_time=CREATED,
    update_time=PAID,
    currency="USD",
    total_amount="51.89",
    line_items=(
        unit("1", HOODIE, "20.00", "2.00", "1.00", "1.19"),
        unit("2", HOODIE, "20.00", "2.00", "1.00", "1.19"),
        unit("3", CAP, "10.00", "0.00", "0.50", "0.67"),
    ),
    package_ids=("1153000000000000001",),
    shipping_type="SELLER",
    payment=PAYMENT,
    recipient_address=ADDRESS,
    buyer_email="v2b2V5@chat.seller.tiktok.com",
    buyer_message="Leave it at the door",
    paid_time=PAID,
    fulfillment_type="FULFILLMENT_BY_SELLER",
)


def amount(bag: dict[str, Any]) -> Decimal:
    return Decimal(bag["shopMoney"]["amount"])


def shopify_total(order: dict[str, Any]) -> Decimal:
    """The order's total as Shopify adds it up: lines less the discount code, plus shipping lines,
    plus every tax line unless taxes are included in the prices."""
    lines = sum((amount(line["priceSet"]) * line["quantity"] for line in order["lineItems"]), Decimal(0))
    code = (order.get("discountCode") or {}).get("itemFixedDiscountCode")
    discount = amount(code["amountSet"]) if code else Decimal(0)
    shipping = sum((amount(line["priceSet"]) for line in order.get("shippingLines") or ()), Decimal(0))
    tax_lines = [
        *order.get("taxLines", ()),
        *(tax for line in order["lineItems"] for tax in line.get("taxLines", ())),
        *(tax for line in order.get("shippingLines", ()) for tax in line.get("taxLines", ())),
    ]
    taxes = sum((amount(tax["priceSet"]) for tax in tax_lines), Decimal(0))
    return lines - discount + shipping + (Decimal(0) if order.get("taxesIncluded") else taxes)


def floats_in(value: Any) -> list[Any]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in floats_in(item)]
    if isinstance(value, list):
        return [f for item in value for f in floats_in(item)]
    return []


def test_two_skus_with_both_discounts_shipping_and_tax_add_up_to_what_the_buyer_paid() -> None:
    # Given the order above, both SKUs mapped to Shopify variants
    # When it is made into Shopify's input
    draft = shopify_order_input(ORDER, VARIANTS)
    order = draft.order

    # Then there is a line per SKU, quantity the units, price after the seller's discount only
    lines = order["lineItems"]
    assert [(line["variantId"], line["quantity"], line["priceSet"]["shopMoney"]) for line in lines] == [
        ("gid://shopify/ProductVariant/44001", 2, {"amount": "18.00", "currencyCode": "USD"}),
        ("gid://shopify/ProductVariant/44002", 1, {"amount": "10.00", "currencyCode": "USD"}),
    ]
    # And each line carries its units' sales tax, TikTok's rate
    assert [line["taxLines"] for line in lines] == [
        [
            {
                "title": "Sales tax",
                "rate": "0.07",
                "priceSet": {"shopMoney": {"amount": "2.38", "currencyCode": "USD"}},
            }
        ],
        [
            {
                "title": "Sales tax",
                "rate": "0.07",
                "priceSet": {"shopMoney": {"amount": "0.67", "currencyCode": "USD"}},
            }
        ],
    ]
    assert "taxLines" not in order  # on the lines or on the order, not both
    # And the platform's discount is the one fixed-amount discount code
    assert order["discountCode"] == {
        "itemFixedDiscountCode": {
            "code": "TIKTOK_PLATFORM_DISCOUNT",
            "amountSet": {"shopMoney": {"amount": "2.50", "currencyCode": "USD"}},
        }
    }
    # And shipping is the fee after both shipping discounts, its tax on it (rate derived)
    assert order["shippingLines"] == [
        {
            "title": "TikTok Shop shipping",
            "priceSet": {"shopMoney": {"amount": "4.99", "currencyCode": "USD"}},
            "taxLines": [
                {
                    "title": "Sales tax",
                    "rate": "0.07014",
                    "priceSet": {"shopMoney": {"amount": "0.35", "currencyCode": "USD"}},
                }
            ],
        }
    ]
    # And the buyer paid TikTok: one successful SALE of the total
    assert order["financialStatus"] == "PAID"
    assert order["transactions"] == [
        {
            "kind": "SALE",
            "status": "SUCCESS",
            "gateway": "TikTok Shop",
            "amountSet": {"shopMoney": {"amount": "51.89", "currencyCode": "USD"}},
            "processedAt": "2025-10-09T08:54:20Z",
        }
    ]
    # And Shopify's arithmetic gives TikTok's total_amount: 46.00 - 2.50 + 4.99 + 3.05 + 0.35
    assert shopify_total(order) == Decimal("51.89") == draft.total == draft.shopify_total
    assert draft.balanced and order["taxesIncluded"] is False
    # And the rest of the order
    assert order["processedAt"] == "2025-10-09T08:53:20Z"
    assert (order["sourceName"], order["sourceIdentifier"], order["tags"]) == (
        "tiktok",
        "576461413038785752",
        ["TikTok Shop"],
    )
    assert (order["currency"], order["email"], order["note"]) == (
        "USD",
        "v2b2V5@chat.seller.tiktok.com",
        "Leave it at the door",
    )
    assert order["shippingAddress"] == {
        "firstName": "Dana",
        "lastName": "Kowalski",
        "address1": "1199 Coleman Ave",
        "address2": "Apt 4",
        "city": "San Jose",
        "provinceCode": "CA",
        "zip": "95110",
        "countryCode": "US",
        "phone": "+14085550142",
    }
    assert draft.options == {
        "inventoryBehaviour": "DECREMENT_OBEYING_POLICY",
        "sendReceipt": False,
        "sendFulfillmentReceipt": False,
    }
    assert draft.unmapped == ()
    assert floats_in(order) == []  # money travels as decimal strings


def test_a_sku_without_a_variant_becomes_a_custom_line_and_is_named() -> None:
    # Given the cap has no Shopify variant
    # When the order is made into Shopify's input
    draft = shopify_order_input(ORDER, {HOODIE: "44001"})
    # Then the cap is a custom line item with its TikTok names and price, shipped
    custom = draft.order["lineItems"][1]
    assert "variantId" not in custom
    assert (custom["title"], custom["sku"], custom["quantity"], custom["requiresShipping"]) == (
        "Field Cap - One size",
        "SELLER-2",
        1,
        True,
    )
    assert amount(custom["priceSet"]) == Decimal("10.00")
    # And its SKU is listed as unmapped, the totals unchanged
    assert draft.unmapped == (CAP,)
    assert shopify_total(draft.order) == Decimal("51.89") and draft.balanced


def test_an_order_without_line_items_is_refused_by_name() -> None:
    with pytest.raises(OrderWithoutLinesError, match="576461413038785752"):
        shopify_order_input(replace(ORDER, line_items=()), VARIANTS)


def test_personal_data_stays_out_of_reprs() -> None:
    # Given the order and its draft, both holding the buyer's name, address, phone and email
    draft = shopify_order_input(ORDER, VARIANTS)
    shown = repr(ORDER) + repr(ORDER.recipient_address) + repr(draft)
    # Then none of it is in their reprs, while the ids are
    for personal in ("Dana", "Kowalski", "Coleman", "555", "95110", "San Jose", "v2b2V5", "door"):
        assert personal not in shown
    assert "576461413038785752" in repr(ORDER) and "576461413038785752" in repr(draft)


def test_without_per_line_taxes_the_product_tax_is_one_order_tax_line() -> None:
    # Given TikTok gives the product tax for the order only
    items = tuple(replace(item, item_tax=()) for item in ORDER.line_items)
    draft = shopify_order_input(replace(ORDER, line_items=items), VARIANTS)
    # Then it is one order-level tax line (rate derived over the subtotal), none on the lines
    assert draft.order["taxLines"] == [
        {
            "title": "Tax",
            "rate": "0.070115",
            "priceSet": {"shopMoney": {"amount": "3.05", "currencyCode": "USD"}},
        }
    ]
    assert all("taxLines" not in line for line in draft.order["lineItems"])
    assert shopify_total(draft.order) == Decimal("51.89") and draft.balanced


def test_price_detail_gives_per_line_taxes_the_order_lacks() -> None:
    items = tuple(replace(item, item_tax=()) for item in ORDER.line_items)
    detail = PriceDetail(
        currency="USD",
        line_items=tuple(
            PriceDetail(line_item_id=line_id, subtotal_tax_amount=tax, tax_rate="0.07")
            for line_id, tax in (("1", "1.19"), ("2", "1.19"), ("3", "0.67"))
        ),
    )
    draft = shopify_order_input(replace(ORDER, line_items=items), VARIANTS, price_detail=detail)
    assert [amount(line["taxLines"][0]["priceSet"]) for line in draft.order["lineItems"]] == [
        Decimal("2.38"),
        Decimal("0.67"),
    ]
    assert "taxLines" not in draft.order and draft.balanced


def test_prices_that_hold_their_tax_are_marked_so() -> None:
    # Given a VAT market: the total holds the tax already
    payment = replace(PAYMENT, product_tax="", shipping_fee_tax="", tax="7.25", total_amount="48.49")
    items = tuple(replace(item, item_tax=()) for item in ORDER.line_items)
    draft = shopify_order_input(replace(ORDER, payment=payment, line_items=items), VARIANTS)
    assert draft.order["taxesIncluded"] is True
    assert shopify_total(draft.order) == Decimal("48.49") and draft.balanced


def test_a_retail_delivery_fee_is_a_shipping_line_of_its_own() -> None:
    payment = replace(PAYMENT, retail_delivery_fee="0.28", total_amount="52.17")
    draft = shopify_order_input(replace(ORDER, payment=payment), VARIANTS)
    assert [(line["title"], amount(line["priceSet"])) for line in draft.order["shippingLines"]] == [
        ("TikTok Shop shipping", Decimal("4.99")),
        ("TikTok Shop retail delivery fee", Decimal("0.28")),
    ]
    assert shopify_total(draft.order) == Decimal("52.17") and draft.balanced


def test_figures_that_do_not_add_up_are_told() -> None:
    payment = replace(PAYMENT, total_amount="60.00")
    draft = shopify_order_input(replace(ORDER, payment=payment), VARIANTS)
    assert not draft.balanced and draft.total == Decimal("60.00")
    assert amount(draft.order["transactions"][0]["amountSet"]) == Decimal("60.00")


def test_units_of_one_sku_at_different_prices_stay_apart() -> None:
    # Given a second hoodie without the seller's discount
    items = (*ORDER.line_items[:1], unit("2", HOODIE, "20.00", "0.00", "1.00", "1.33"), ORDER.line_items[2])
    payment = replace(PAYMENT, seller_discount="2.00", sub_total="45.50", product_tax="3.19")
    payment = replace(payment, tax="3.54", total_amount="54.03")
    draft = shopify_order_input(replace(ORDER, line_items=items, payment=payment), VARIANTS)
    assert [(line["quantity"], amount(line["priceSet"])) for line in draft.order["lineItems"]] == [
        (1, Decimal("18.00")),
        (1, Decimal("20.00")),
        (1, Decimal("10.00")),
    ]
    assert shopify_total(draft.order) == Decimal("54.03") and draft.balanced


def test_an_order_without_payment_details_still_balances() -> None:
    # Given only the line items' prices (an order list entry, or a market without them)
    bare = TikTokOrder("1", "AWAITING_SHIPMENT", CREATED, CREATED, line_items=ORDER.line_items)
    draft = shopify_order_input(bare, VARIANTS)
    assert draft.currency == "USD" and draft.balanced
    # 46.00 less the platform's 2.50, no shipping, the lines' own taxes
    assert draft.total == Decimal("46.55") == shopify_total(draft.order)
    assert "shippingAddress" not in draft.order and "email" not in draft.order


def test_an_order_naming_no_currency_is_refused() -> None:
    items = tuple(replace(item, currency="") for item in ORDER.line_items)
    with pytest.raises(OrderDraftError, match="currency"):
        shopify_order_input(replace(ORDER, payment=Payment(), currency="", line_items=items), VARIANTS)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # One name field: split at the last space; a masked phone left out
        (
            RecipientAddress(
                "US", name="Mary Ann Lee", first_name="Mary Ann Lee", phone_number="(+1)213-***-1234"
            ),
            {"firstName": "Mary Ann", "lastName": "Lee", "countryCode": "US"},
        ),
        # The UK: post town as the city, UK as GB, no province from a county
        (
            RecipientAddress(
                "UK",
                first_name="Sam",
                last_name="Reed",
                address_line1="4 Mill Lane",
                post_town="Ribbleton",
                postal_code="PR2 6XX",
                district_info=(
                    DistrictLevel("L0", "Country", "United Kingdom"),
                    DistrictLevel("L2", "County", "Lancashire"),
                ),
            ),
            {
                "firstName": "Sam",
                "lastName": "Reed",
                "address1": "4 Mill Lane",
                "city": "Ribbleton",
                "zip": "PR2 6XX",
                "countryCode": "GB",
            },
        ),
        # Brazil's third and fourth lines join the second; a named province that is no code
        (
            RecipientAddress(
                "BR",
                name="Ana",
                address_line1="Avenida Paulista 1000",
                address_line2="Apto 12",
                address_line3="Bela Vista",
                district_info=(
                    DistrictLevel("L1", "State", "São Paulo"),
                    DistrictLevel("L3", "Town", "São Paulo"),
                ),
            ),
            {
                "lastName": "Ana",
                "address1": "Avenida Paulista 1000",
                "address2": "Apto 12, Bela Vista",
                "city": "São Paulo",
                "province": "São Paulo",
                "countryCode": "BR",
            },
        ),
    ],
)
def test_shipping_address_mapping(address: RecipientAddress, expected: dict[str, str]) -> None:
    draft = shopify_order_input(replace(ORDER, recipient_address=address), VARIANTS)
    assert draft.order["shippingAddress"] == expected


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("(+1)408-555-0142", "+14085550142"),
        ("+44 7700 900123", "+447700900123"),
        ("408-555-0142", None),
        ("", None),
    ],
)
def test_phone_numbers_are_e164_or_left_out(phone: str, expected: str | None) -> None:
    assert e164(phone) == expected


def test_the_draft_is_a_plain_value() -> None:
    draft = shopify_order_input(ORDER, VARIANTS)
    assert isinstance(draft, ShopifyOrderDraft)
    assert shopify_order_input(ORDER, VARIANTS) == draft  # the same order, the same draft
