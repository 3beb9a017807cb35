"""The Shopify sandbox's orders over GraphQL: ``orderCreate``, ``orderCancel``, ``refundCreate``, the
``order`` and ``job`` queries, and the GraphQL objects of an order (2025-10 Admin schema).

- ``orderCreate(order: OrderCreateOrderInput!, options: OrderCreateOptionsInput)`` keeps the whole
  input (``SandboxOrder.input``) and what it says: line items with a ``variantId`` or custom ones (a
  ``title`` and a ``priceSet``), addresses, email and phone, shipping lines, tax lines (on the order or
  on the line items, not both), a discount code, transactions, financial status, processedAt,
  source name and identifier, tags, note. Refusals are ``userErrors`` (``OrderCreateUserError``):
  no line items, a variant that does not exist (naming the line), a custom line without title or
  price, a quantity below 1, a price in another currency, tax lines on both, processedAt in the future
  (PROCESSED_AT_INVALID, as before 2026-07), stock short under DECREMENT_OBEYING_POLICY
  (INVENTORY_CLAIM_FAILED).
- ``options.inventoryBehaviour``: BYPASS (the default) moves no stock. DECREMENT_OBEYING_POLICY and
  DECREMENT_IGNORING_POLICY take each line's units from the active locations that fulfil online
  orders, in the shop's order of locations: all from the first that holds enough for the whole line,
  otherwise from each in turn as far as it holds; OBEYING refuses an order whose line those locations
  cannot cover, IGNORING takes what is missing from the first of them, below zero. Each level moved is
  an inventory_levels/update (when the sandbox has a webhook_url).
- ``orderCancel(orderId, reason, restock, refund | refundMethod, notifyCustomer, staffNote)`` answers
  ``job`` (not done yet, as Shopify cancels in the background; ``job(id:)`` then says done) and
  ``orderCancelUserErrors``: NOT_FOUND for an unknown order, INVALID for one already cancelled.
  ``restock`` puts the units the order took (and has not given back) back where they came from;
  ``refund`` or ``refundMethod.originalPaymentMethodsRefund`` refunds what is left to refund.
- ``refundCreate(input: RefundInput!)`` records the refund (its line items, transactions, note,
  shipping); a zero-amount refund is allowed. RETURN puts the units at ``locationId`` (else where the
  line's units came from, else the first location fulfilling online orders); CANCEL puts back the
  units the order took, at most; NO_RESTOCK moves nothing. Refusals are ``userErrors``: an unknown
  order or line item or location, a quantity over what is left to refund, transactions over the
  refundable amount (unless ``allowOverRefunding``).
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from local.sandboxes import shopify_webhooks as payloads
from local.sandboxes.shopify_catalog import (
    SandboxFulfillment,
    SandboxLocation,
    SandboxOrder,
    SandboxOrderLine,
    SandboxRefund,
    SandboxRefundLine,
    SandboxShippingLine,
    SandboxTaxLine,
    SandboxVariant,
)

ZERO = Decimal("0.00")
Notify = Callable[[str, dict[str, Any]], None]  # (topic, payload): a webhook to send afterwards
UserError = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def gid_of(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _number(gid: Any, kind: str) -> int | None:
    text = str(gid or "")
    prefix = f"gid://shopify/{kind}/"
    return int(text[len(prefix) :]) if text.startswith(prefix) and text[len(prefix) :].isdigit() else None


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def _shop_amount(money_bag: dict[str, Any] | None) -> Decimal | None:
    """The shop amount of a MoneyBagInput."""
    shop_money = (money_bag or {}).get("shopMoney") or {}
    return _money(shop_money["amount"]) if "amount" in shop_money else None


def _tax_lines(given: Sequence[dict[str, Any]] | None, base: Decimal) -> list[SandboxTaxLine]:
    """OrderCreateTaxLineInput: its priceSet, else its rate of ``base``."""
    return [
        SandboxTaxLine(
            title=str(tax["title"]),
            rate=_money(tax["rate"]),
            price=_shop_amount(tax.get("priceSet")) or (base * _money(tax["rate"])).quantize(Decimal("0.01")),
        )
        for tax in given or ()
    ]


class OrderBook:
    """One shop's order mutations, for one GraphQL request."""

    def __init__(
        self,
        state: Any,  # shopify_graphql.ShopState
        now: Callable[[], datetime],
        next_id: Callable[[], int],
        notify: Notify,
    ) -> None:
        self.state = state
        self.now = now
        self.next_id = next_id
        self.notify = notify

    # --- orderCreate ---

    def create(
        self,
        order: dict[str, Any],
        options: dict[str, Any] | None,
        sent: dict[str, Any] | None = None,
        sent_options: dict[str, Any] | None = None,
    ) -> tuple[SandboxOrder | None, list[UserError]]:
        """The order (None when refused) and the userErrors; ``sent`` and ``sent_options`` are the
        arguments as the request sent them, kept on the order."""
        currency = order.get("currency") or "USD"
        lines, errors = self._lines(order, currency)
        if order.get("taxLines") and any(item.get("taxLines") for item in order.get("lineItems") or ()):
            errors.append(
                {
                    "field": ["order", "taxLines"],
                    "message": "Tax lines can be specified on the order or the line items but not both",
                    "code": "INVALID",
                }
            )
        processed = _datetime(order.get("processedAt"))
        if processed is not None and processed > self.now():
            errors.append(
                {
                    "field": ["order", "processedAt"],
                    "message": "Processed at must not be in the future",
                    "code": "PROCESSED_AT_INVALID",
                }
            )
        behaviour = (options or {}).get("inventoryBehaviour") or "BYPASS"
        if not errors and behaviour == "DECREMENT_OBEYING_POLICY":
            errors = self._claimable(lines)
        if errors:
            return None, errors
        now = self.now()
        subtotal = sum((line.price * line.quantity for line in lines), ZERO)
        created = SandboxOrder(
            id=self.next_id(),
            number=1001 + len(self.state.orders),
            currency=currency,
            lines=lines,
            created_at=now,
            updated_at=now,
            source_name=order.get("sourceName"),
            source_identifier=order.get("sourceIdentifier"),
            email=order.get("email"),
            phone=order.get("phone"),
            note=order.get("note"),
            tags=list(order.get("tags") or []),
            input=dict(sent if sent is not None else order),
            options=dict(sent_options or {}),
            shipping_address=order.get("shippingAddress"),
            billing_address=order.get("billingAddress"),
            shipping_lines=[
                SandboxShippingLine(
                    title=str(line["title"]),
                    price=_shop_amount(line.get("priceSet")) or ZERO,
                    code=line.get("code"),
                    source=line.get("source"),
                    tax_lines=tuple(
                        _tax_lines(line.get("taxLines"), _shop_amount(line.get("priceSet")) or ZERO)
                    ),
                )
                for line in order.get("shippingLines") or ()
            ],
            transactions=[dict(t) for t in order.get("transactions") or ()],
            financial_status=order.get("financialStatus"),
            processed_at=processed or now,
            taxes_included=bool(order.get("taxesIncluded")),
            test=bool(order.get("test")),
        )
        _apply_discount(created, order.get("discountCode") or {}, subtotal)
        created.tax_lines = _tax_lines(order.get("taxLines"), created.subtotal)
        if behaviour != "BYPASS":
            for line in created.lines:
                self._take(line)
        self.state.orders[created.id] = created
        return created, []

    def _lines(self, order: dict[str, Any], currency: str) -> tuple[list[SandboxOrderLine], list[UserError]]:
        items = order.get("lineItems") or []
        lines: list[SandboxOrderLine] = []
        errors: list[UserError] = []
        if not items:
            errors.append(
                {"field": ["order", "lineItems"], "message": "Line items can't be blank", "code": "INVALID"}
            )
        for index, item in enumerate(items):
            where = ["order", "lineItems", str(index)]

            def refuse(field: str, message: str) -> None:
                errors.append({"field": [*where, field], "message": message, "code": "INVALID"})  # noqa: B023

            found = None
            if item.get("variantId") is not None:
                number = _number(item["variantId"], "ProductVariant")
                found = self.state.variant(number) if number is not None else None
                if found is None:
                    refuse("variantId", f"Line item {index + 1}: variant is invalid, it does not exist")
                    continue
            elif not item.get("title"):
                refuse("title", f"Line item {index + 1}: title can't be blank")
                continue
            if item["quantity"] < 1:
                refuse("quantity", "Quantity must be greater than or equal to 1")
                continue
            money = (item.get("priceSet") or {}).get("shopMoney") or {}
            if money and money.get("currencyCode") != currency:
                refuse("priceSet", "Price currency must be the order's currency")
                continue
            if not money and found is None:
                refuse("priceSet", f"Line item {index + 1}: price can't be blank")
                continue
            price = _money(money["amount"]) if money else found[1].price  # type: ignore[index]
            product, variant = found if found else (None, None)
            line = SandboxOrderLine(
                id=self.next_id(),
                variant_id=variant.id if variant else None,
                product_id=product.id if product else None,
                sku=item.get("sku") or (variant.sku if variant else None),
                title=item.get("title") or (product.title if product else ""),
                quantity=item["quantity"],
                price=price,
                variant_title=item.get("variantTitle") or (variant.title if variant else None),
                vendor=item.get("vendor") or (product.vendor if product else None),
                taxable=item.get("taxable", True) is not False,
                requires_shipping=item.get("requiresShipping") is not False,
            )
            line.tax_lines = _tax_lines(item.get("taxLines"), price * line.quantity)
            lines.append(line)
        return lines, errors

    def _online(self) -> list[SandboxLocation]:
        return [loc for loc in self.state.locations if loc.fulfills_online_orders and loc.active]

    def _claimable(self, lines: list[SandboxOrderLine]) -> list[UserError]:
        errors = []
        for index, line in enumerate(lines):
            found = self.state.variant(line.variant_id or 0)
            if found is None:
                continue
            held = sum(max(0, found[1].levels.get(loc.id, 0)) for loc in self._online())
            if held < line.quantity:
                errors.append(
                    {
                        "field": ["order", "lineItems", str(index), "quantity"],
                        "message": f"Line item {index + 1}: not enough inventory available",
                        "code": "INVENTORY_CLAIM_FAILED",
                    }
                )
        return errors

    def _take(self, line: SandboxOrderLine) -> None:
        """The line's units out of the online-fulfilling locations (see the module's rule)."""
        found = self.state.variant(line.variant_id or 0)
        online = self._online()
        if found is None or not online:
            return
        variant = found[1]
        whole = next((loc for loc in online if variant.levels.get(loc.id, 0) >= line.quantity), None)
        plan: dict[int, int] = {}
        if whole is not None:
            plan[whole.id] = line.quantity
        else:
            wanted = line.quantity
            for loc in online:
                part = min(wanted, max(0, variant.levels.get(loc.id, 0)))
                if part:
                    plan[loc.id] = part
                    wanted -= part
            if wanted:
                plan[online[0].id] = plan.get(online[0].id, 0) + wanted
        for location_id, units in plan.items():
            line.taken[location_id] = line.taken.get(location_id, 0) + units
            self._move(variant, location_id, -units)

    def _move(self, variant: SandboxVariant, location_id: int, units: int) -> None:
        if not units:
            return
        variant.set_available(location_id, variant.levels.get(location_id, 0) + units)
        variant.updated_at = self.now()
        self.notify(
            "inventory_levels/update",
            payloads.inventory_level_payload(
                variant.inventory_item_id, location_id, variant.levels[location_id], variant.updated_at
            ),
        )

    def _give_back(self, line: SandboxOrderLine, units: int, location_id: int | None = None) -> int:
        """Up to ``units`` of what the line took, back where they came from (or all at
        ``location_id``); how many went back."""
        found = self.state.variant(line.variant_id or 0)
        if found is None:
            return 0
        back = 0
        for origin, taken in list(line.taken.items()):
            part = min(units - back, taken)
            if part <= 0:
                continue
            line.taken[origin] -= part
            self._move(found[1], location_id or origin, part)
            back += part
        return back

    # --- orderCancel ---

    def cancel(self, args: dict[str, Any]) -> dict[str, Any]:
        number = _number(args.get("orderId"), "Order")
        order = self.state.orders.get(number) if number is not None else None
        if order is None:
            return _cancel_refused("NOT_FOUND", "Order does not exist")
        if order.cancelled_at is not None:
            return _cancel_refused("INVALID", "Order has already been cancelled")
        now = self.now()
        order.cancelled_at, order.updated_at = now, now
        order.cancel_reason = args.get("reason")
        order.staff_note = args.get("staffNote")
        if args.get("restock"):
            for line in order.lines:
                self._give_back(line, sum(line.taken.values()))
        method = args.get("refundMethod") or {}
        if args.get("refund") or method.get("originalPaymentMethodsRefund"):
            left = order.total - order.refunded
            refund = SandboxRefund(
                id=self.next_id(),
                created_at=now,
                lines=[],
                transactions=[{"amount": str(left), "kind": "REFUND", "gateway": "manual"}]
                if left > 0
                else [],
                note="Order cancelled",
            )
            order.refunds.append(refund)
        job = {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False, "query": None}
        return {"job": job, "orderCancelUserErrors": [], "userErrors": []}

    # --- refundCreate ---

    def refund(
        self, given: dict[str, Any]
    ) -> tuple[SandboxOrder | None, SandboxRefund | None, list[UserError]]:
        number = _number(given.get("orderId"), "Order")
        order = self.state.orders.get(number) if number is not None else None
        if order is None:
            return None, None, [{"field": ["orderId"], "message": "Order does not exist"}]
        locations = {loc.id for loc in self.state.locations}
        errors: list[UserError] = []
        wanted: list[tuple[SandboxOrderLine, dict[str, Any], int | None]] = []
        for index, item in enumerate(given.get("refundLineItems") or ()):
            where = ["refundLineItems", str(index)]
            line_number = _number(item.get("lineItemId"), "LineItem")
            line = order.line(line_number) if line_number is not None else None
            location = _number(item.get("locationId"), "Location") if item.get("locationId") else None
            if line is None:
                errors.append({"field": [*where, "lineItemId"], "message": "Line item does not exist"})
            elif item["quantity"] < 1 or item["quantity"] > line.quantity - line.refunded:
                errors.append(
                    {
                        "field": [*where, "quantity"],
                        "message": "Quantity cannot refund more items than were purchased",
                    }
                )
            elif item.get("locationId") and location not in locations:
                errors.append({"field": [*where, "locationId"], "message": "Location does not exist"})
            else:
                wanted.append((line, item, location))
        transactions = [dict(t) for t in given.get("transactions") or ()]
        amount = sum((_money(t.get("amount", "0")) for t in transactions), ZERO)
        if amount > order.total - order.refunded and not given.get("allowOverRefunding"):
            errors.append(
                {"field": ["transactions"], "message": "Amount can't be greater than the refundable amount"}
            )
        if errors:
            return None, None, errors
        refund = SandboxRefund(
            id=self.next_id(),
            created_at=self.now(),
            lines=[self._refund_line(line, item, location) for line, item, location in wanted],
            transactions=transactions,
            note=given.get("note"),
            notify=bool(given.get("notify")),
            shipping=_money((given.get("shipping") or {}).get("amount") or "0"),
        )
        order.refunds.append(refund)
        order.updated_at = refund.created_at
        return order, refund, []

    def _refund_line(
        self, line: SandboxOrderLine, item: dict[str, Any], location: int | None
    ) -> SandboxRefundLine:
        kind = item.get("restockType") or "NO_RESTOCK"
        quantity = item["quantity"]
        line.refunded += quantity
        restocked = False
        if kind == "CANCEL":
            restocked = self._give_back(line, quantity, location) > 0
        elif kind == "RETURN":
            found = self.state.variant(line.variant_id or 0)
            origin = next((loc for loc, units in line.taken.items() if units > 0), None)
            online = self._online()
            where = location or origin or (online[0].id if online else None)
            if found is not None and where is not None:
                if where in line.taken:
                    line.taken[where] = max(0, line.taken[where] - quantity)
                self._move(found[1], where, quantity)
                restocked, location = True, where
        return SandboxRefundLine(line.id, quantity, kind, location, restocked, line.price)


def _cancel_refused(code: str, message: str) -> dict[str, Any]:
    error = {"field": ["orderId"], "message": message, "code": code}
    return {
        "job": None,
        "orderCancelUserErrors": [error],
        "userErrors": [{"field": ["orderId"], "message": message}],
    }


def _datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"Invalid DateTime: {value}") from None


def _apply_discount(order: SandboxOrder, code: dict[str, Any], subtotal: Decimal) -> None:
    """OrderCreateDiscountCodeInput: one of a fixed or percentage item discount, or free shipping."""
    fixed, percent = code.get("itemFixedDiscountCode"), code.get("itemPercentageDiscountCode")
    shipping = code.get("freeShippingDiscountCode")
    if fixed:
        order.discount_code = fixed["code"]
        order.discount = min(subtotal, _shop_amount(fixed.get("amountSet")) or ZERO)
    elif percent:
        order.discount_code = percent["code"]
        share = _money(percent.get("percentage") or 0) / 100
        order.discount = (subtotal * share).quantize(Decimal("0.01"))
    elif shipping:
        order.discount_code = shipping["code"]
        order.free_shipping = True


# --- GraphQL objects ---


def money_bag(amount: Decimal, currency: str) -> dict[str, Any]:
    money = {"amount": f"{amount:.2f}", "currencyCode": currency}
    return {"shopMoney": money, "presentmentMoney": money}


def _address(given: dict[str, Any] | None) -> dict[str, Any] | None:
    if not given:
        return None
    first, last = given.get("firstName"), given.get("lastName")
    name = " ".join(part for part in (first, last) if part) or None
    lines = [given.get(k) for k in ("address1", "address2", "city", "provinceCode", "zip", "countryCode")]
    return {
        "id": f"gid://shopify/MailingAddress/{zlib.crc32(json.dumps(given, sort_keys=True).encode())}",
        "address1": given.get("address1"),
        "address2": given.get("address2"),
        "city": given.get("city"),
        "company": given.get("company"),
        "country": given.get("countryCode"),
        "countryCodeV2": given.get("countryCode"),
        "firstName": first,
        "lastName": last,
        "name": name,
        "phone": given.get("phone"),
        "province": given.get("provinceCode"),
        "provinceCode": given.get("provinceCode"),
        "zip": given.get("zip"),
        "coordinatesValidated": False,
        "formatted": lambda info, **args: [part for part in lines if part],
        "formattedArea": ", ".join(p for p in (given.get("city"), given.get("provinceCode")) if p) or None,
    }


def _tax_objects(lines: Sequence[SandboxTaxLine], currency: str) -> list[dict[str, Any]]:
    return [
        {
            "title": t.title,
            "rate": float(t.rate),
            "ratePercentage": float(t.rate * 100),
            "priceSet": money_bag(t.price, currency),
            "channelLiable": False,
            "source": None,
        }
        for t in lines
    ]


def financial_status(order: SandboxOrder) -> str:
    """OrderDisplayFinancialStatus: refunds first, then the status given, then PAID."""
    refunded = order.refunded
    if refunded > 0:
        return "REFUNDED" if refunded >= order.total else "PARTIALLY_REFUNDED"
    return order.financial_status or "PAID"


def fulfillment_status(order: SandboxOrder) -> str:
    if not any(line.fulfilled for line in order.lines):
        return "UNFULFILLED"
    return "FULFILLED" if all(line.unfulfilled == 0 for line in order.lines) else "PARTIALLY_FULFILLED"


def order_object(
    order: SandboxOrder,
    connection: Callable[..., dict[str, Any]],
    variant_object: Callable[[int], dict[str, Any] | None],
    location_object: Callable[[int | None], dict[str, Any] | None],
) -> dict[str, Any]:
    """An ``Order`` of the 2025-10 schema, as far as the sandbox keeps one."""
    currency = order.currency
    shipping_lines = [
        {
            "id": f"gid://shopify/ShippingLine/{order.id * 10 + index}",
            "title": s.title,
            "code": s.code,
            "source": s.source,
            "custom": True,
            "isRemoved": False,
            "carrierIdentifier": None,
            "deliveryCategory": None,
            "phone": None,
            "shippingRateHandle": None,
            "originalPriceSet": money_bag(s.price, currency),
            "discountedPriceSet": money_bag(ZERO if order.free_shipping else s.price, currency),
            "currentDiscountedPriceSet": money_bag(ZERO if order.free_shipping else s.price, currency),
            "discountAllocations": [],
            "taxLines": _tax_objects(s.tax_lines, currency),
        }
        for index, s in enumerate(order.shipping_lines, start=1)
    ]

    def line_object(line: SandboxOrderLine) -> dict[str, Any]:
        return _line_object(line, currency, variant_object)

    def this() -> dict[str, Any]:
        return order_object(order, connection, variant_object, location_object)

    current_quantity = sum(line.quantity - line.refunded for line in order.lines)
    return {
        "__typename": "Order",
        "id": gid_of("Order", order.id),
        "legacyResourceId": str(order.id),
        "name": order.name,
        "number": order.number,
        "email": order.email,
        "phone": order.phone,
        "note": order.note,
        "tags": order.tags,
        "test": order.test,
        "sourceName": order.source_name,
        "sourceIdentifier": order.source_identifier,
        "createdAt": iso(order.created_at),
        "updatedAt": iso(order.updated_at or order.created_at),
        "processedAt": iso(order.processed_at or order.created_at),
        "cancelledAt": iso(order.cancelled_at),
        "cancelReason": order.cancel_reason,
        "closed": order.cancelled_at is not None,
        "closedAt": iso(order.cancelled_at),
        "confirmed": True,
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "taxesIncluded": order.taxes_included,
        "discountCode": order.discount_code,
        "discountCodes": [order.discount_code] if order.discount_code else [],
        "displayFinancialStatus": financial_status(order),
        "displayFulfillmentStatus": fulfillment_status(order),
        "fullyPaid": financial_status(order) == "PAID",
        "unpaid": financial_status(order) in ("PENDING", "AUTHORIZED"),
        "subtotalLineItemsQuantity": sum(line.quantity for line in order.lines),
        "currentSubtotalLineItemsQuantity": current_quantity,
        "subtotalPriceSet": money_bag(order.subtotal, currency),
        "currentSubtotalPriceSet": money_bag(order.subtotal, currency),
        "totalShippingPriceSet": money_bag(order.shipping, currency),
        "currentShippingPriceSet": money_bag(order.shipping, currency),
        "totalTaxSet": money_bag(order.tax, currency),
        "currentTotalTaxSet": money_bag(order.tax, currency),
        "totalDiscountsSet": money_bag(order.discount, currency),
        "currentTotalDiscountsSet": money_bag(order.discount, currency),
        "totalPriceSet": money_bag(order.total, currency),
        "originalTotalPriceSet": money_bag(order.total, currency),
        "currentTotalPriceSet": money_bag(order.total - order.refunded, currency),
        "totalRefundedSet": money_bag(order.refunded, currency),
        "totalReceivedSet": money_bag(
            order.total if financial_status(order) != "PENDING" else ZERO, currency
        ),
        "netPaymentSet": money_bag(order.total - order.refunded, currency),
        "totalOutstandingSet": money_bag(ZERO, currency),
        "shippingAddress": _address(order.shipping_address),
        "billingAddress": _address(order.billing_address),
        "displayAddress": _address(order.shipping_address or order.billing_address),
        "customAttributes": [
            {"key": a.get("key"), "value": a.get("value")} for a in order.input.get("customAttributes") or ()
        ],
        "taxLines": _tax_objects(
            [*order.tax_lines, *(t for line in order.lines for t in line.tax_lines)], currency
        ),
        "lineItems": lambda info, **args: connection(order.lines, lambda line: line.id, line_object, args),
        "shippingLines": lambda info, **args: connection(
            list(range(len(shipping_lines))),
            lambda i: order.id * 10 + i + 1,
            lambda i: shipping_lines[i],
            args,
        ),
        "shippingLine": shipping_lines[0] if shipping_lines else None,
        "refunds": lambda info, first=None: [
            _refund_object(order, refund, connection, line_object, location_object, this)
            for refund in order.refunds[:first]
        ],
        "fulfillments": lambda info, first=None, query=None: [
            _fulfillment_object(order, fulfillment, connection, line_object, this)
            for fulfillment in order.fulfillments[:first]
        ],
        "transactions": lambda info, first=None, **args: [
            _transaction_object(order, index, t) for index, t in enumerate(order.transactions)
        ][:first],
    }


def _line_object(
    line: SandboxOrderLine, currency: str, variant_object: Callable[[int], dict[str, Any] | None]
) -> dict[str, Any]:
    unit = money_bag(line.price, currency)
    total = money_bag(line.price * line.quantity, currency)
    return {
        "id": gid_of("LineItem", line.id),
        "name": f"{line.title} - {line.variant_title}" if line.variant_title else line.title,
        "title": line.title,
        "variantTitle": line.variant_title,
        "vendor": line.vendor,
        "sku": line.sku,
        "quantity": line.quantity,
        "currentQuantity": line.quantity - line.refunded,
        "refundableQuantity": line.quantity - line.refunded,
        "unfulfilledQuantity": line.unfulfilled,
        "nonFulfillableQuantity": line.refunded,
        "requiresShipping": line.requires_shipping,
        "taxable": line.taxable,
        "isGiftCard": False,
        "merchantEditable": True,
        "restockable": bool(line.variant_id),
        "originalUnitPriceSet": unit,
        "discountedUnitPriceSet": unit,
        "discountedUnitPriceAfterAllDiscountsSet": unit,
        "originalTotalSet": total,
        "discountedTotalSet": lambda info, **args: total,
        "totalDiscountSet": money_bag(ZERO, currency),
        "unfulfilledOriginalTotalSet": money_bag(line.price * line.unfulfilled, currency),
        "unfulfilledDiscountedTotalSet": money_bag(line.price * line.unfulfilled, currency),
        "taxLines": lambda info, first=None: _tax_objects(line.tax_lines, currency)[:first],
        "discountAllocations": [],
        "customAttributes": [],
        "duties": [],
        "variant": lambda info: variant_object(line.variant_id) if line.variant_id else None,
        "product": lambda info: (
            _product_of(variant_object(line.variant_id), info) if line.variant_id else None
        ),
    }


def _product_of(variant: dict[str, Any] | None, info: Any) -> dict[str, Any] | None:
    """A variant object's product (its ``product`` field resolves lazily)."""
    if variant is None:
        return None
    product: dict[str, Any] = variant["product"](info)
    return product


def _refund_object(
    order: SandboxOrder,
    refund: SandboxRefund,
    connection: Callable[..., dict[str, Any]],
    line_object: Callable[[SandboxOrderLine], dict[str, Any]],
    location_object: Callable[[int | None], dict[str, Any] | None],
    this: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    currency = order.currency

    def refund_line(index: int) -> dict[str, Any]:
        item = refund.lines[index]
        line = order.line(item.line_id)
        assert line is not None
        return {
            "id": gid_of("RefundLineItem", refund.id * 100 + index),
            "lineItem": line_object(line),
            "location": location_object(item.location_id),
            "quantity": item.quantity,
            "restockType": item.restock_type,
            "restocked": item.restocked,
            "priceSet": money_bag(item.price, currency),
            "subtotalSet": money_bag(item.price * item.quantity, currency),
            "totalTaxSet": money_bag(ZERO, currency),
        }

    return {
        "id": gid_of("Refund", refund.id),
        "legacyResourceId": str(refund.id),
        "createdAt": iso(refund.created_at),
        "updatedAt": iso(refund.created_at),
        "note": refund.note,
        "totalRefundedSet": money_bag(refund.total, currency),
        "refundLineItems": lambda info, **args: connection(
            list(range(len(refund.lines))), lambda i: refund.id * 100 + i, refund_line, args
        ),
        "transactions": lambda info, **args: connection(
            list(range(len(refund.transactions))),
            lambda i: refund.id * 100 + i,
            lambda i: _transaction_object(order, i, refund.transactions[i], refund.id, "REFUND"),
            args,
        ),
        "order": lambda info: this(),
    }


def _fulfillment_object(
    order: SandboxOrder,
    fulfillment: SandboxFulfillment,
    connection: Callable[..., dict[str, Any]],
    line_object: Callable[[SandboxOrderLine], dict[str, Any]],
    this: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    items = list(fulfillment.lines.items())

    def fulfilled_line(index: int) -> dict[str, Any]:
        line_id, quantity = items[index]
        line = order.line(line_id)
        assert line is not None
        return {
            "id": gid_of("FulfillmentLineItem", fulfillment.id * 100 + index),
            "lineItem": line_object(line),
            "quantity": quantity,
            "originalTotalSet": money_bag(line.price * quantity, order.currency),
            "discountedTotalSet": money_bag(line.price * quantity, order.currency),
        }

    return {
        "id": gid_of("Fulfillment", fulfillment.id),
        "legacyResourceId": str(fulfillment.id),
        "name": fulfillment.name,
        "status": fulfillment.status.upper(),
        "displayStatus": "FULFILLED",
        "createdAt": iso(fulfillment.created_at),
        "updatedAt": iso(fulfillment.updated_at),
        "requiresShipping": True,
        "totalQuantity": sum(fulfillment.lines.values()),
        "trackingInfo": lambda info, first=None: [
            {"company": fulfillment.tracking_company, "number": number, "url": payloads.tracking_url(number)}
            for number in fulfillment.tracking_numbers
        ][:first],
        "fulfillmentLineItems": lambda info, **args: connection(
            list(range(len(items))), lambda i: fulfillment.id * 100 + i, fulfilled_line, args
        ),
        "order": lambda info: this(),
    }


def _transaction_object(
    order: SandboxOrder, index: int, given: dict[str, Any], owner: int | None = None, kind: str | None = None
) -> dict[str, Any]:
    amount = (
        _shop_amount(given.get("amountSet")) if "amountSet" in given else _money(given.get("amount", "0"))
    )
    return {
        "id": gid_of("OrderTransaction", (owner or order.id) * 100 + index),
        "kind": kind or given.get("kind") or "SALE",
        "status": given.get("status") or "SUCCESS",
        "gateway": given.get("gateway"),
        "test": bool(given.get("test")),
        "amountSet": money_bag(amount or ZERO, order.currency),
        "createdAt": iso(order.created_at),
        "processedAt": given.get("processedAt") or iso(order.created_at),
        "manualPaymentGateway": True,
        "manuallyCapturable": False,
        "multiCapturable": False,
        "fees": [],
    }
