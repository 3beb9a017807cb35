"""The TikTok sandbox's cancellations and returns over the orders of ``tiktok_orders``: the seller's
Cancel Order, TikTok (the buyer, the system or an operator) cancelling an order, a return moved
through its statuses, and Search Cancellations / Search Returns (return-and-refund/*.spec.json,
202309).

A cancellation is recorded as Search Cancellations answers it (``cancel_type`` CANCEL by the seller or
the system, BUYER_CANCEL by the buyer; ``role``; ``cancel_line_items`` with their refunds) and goes
CANCELLATION_REQUEST_SUCCESS (webhook 11), then the order (or its cancelled line items) CANCELLED
(webhook 1 when the order's status changes), then CANCELLATION_REQUEST_COMPLETE, the refund issued
(webhook 11), as guides/webhooks/11-cancellation-status-change.md lists the statuses.

A return is recorded as Search Returns answers it: ``return_line_items`` (one per order line item,
which is one unit: ``order_line_item_id``, ``sku_id``, ``seller_sku``, refund amounts), its type,
role and ``return_status``; each status it is moved to is a webhook 12
(guides/webhooks/12-return-status-change.md). A SKU's returned quantity is its number of return line
items. Webhooks 11 and 12 reach a shop's registered address (Update Shop Webhook).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from local.sandboxes.tiktok_codes import ApiFailure, JsonObject, page
from local.sandboxes.tiktok_order_model import ZERO, amount, money
from local.sandboxes.tiktok_orders import SHIPPED_PACKAGE, Orders
from local.sandboxes.tiktok_state import SandboxShop

INVALID_PARAMETER = 25001001  # "An invalid request parameter was passed..."
NO_PERMISSION = 25020005  # "No permission to process this order"
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "REPLACEMENT_REQUEST_PENDING",
    "REPLACEMENT_REQUEST_REJECT",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
)
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
CANCEL_ROLES = ("BUYER", "SYSTEM", "OPERATOR")
NOT_CANCELLABLE = frozenset({"CANCELLED", "COMPLETED"})
SHIPPED_ORDER = frozenset({"IN_TRANSIT", "DELIVERED"})


class AfterSales:
    """Cancellations and returns of every shop's orders."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders
        self.cancellations: dict[str, JsonObject] = {}
        self.returns: dict[str, JsonObject] = {}

    # --- knobs ---

    def cancel_by_tiktok(
        self,
        order_id: str,
        *,
        role: str = "BUYER",
        reason: str = "No longer needed",
        line_item_ids: Iterable[str] | None = None,
    ) -> str:
        """The buyer (BUYER_CANCEL, auto-approved) or TikTok (SYSTEM or OPERATOR: CANCEL) cancels the
        order, or only the given unshipped line items of it; the cancellation's id."""
        if role not in CANCEL_ROLES:
            raise ValueError(f"role must be one of {CANCEL_ROLES}")
        with self._orders.shared.lock:
            order = self._orders.orders[order_id]
            if order["status"] in NOT_CANCELLABLE:
                raise ValueError(f"order {order_id} is {order['status']}: nothing to cancel")
            lines = self._cancellable_lines(order, line_item_ids)
            if lines is None:
                raise ValueError("shipped line items are returned, not cancelled")
            kind = "BUYER_CANCEL" if role == "BUYER" else "CANCEL"
            return self._cancel(order, lines, role, kind, reason)

    def request_return(
        self,
        order_id: str,
        line_item_ids: Iterable[str] | None = None,
        *,
        return_type: str = "RETURN_AND_REFUND",
        role: str = "BUYER",
        reason: str = "Item not as described",
    ) -> str:
        """The buyer asks to return (or be refunded for, or have replaced) the given line items (all
        by default): RETURN_OR_REFUND_REQUEST_PENDING (REPLACEMENT_REQUEST_PENDING for a replacement),
        webhook 12; the return's id."""
        if return_type not in RETURN_TYPES:
            raise ValueError(f"return_type must be one of {RETURN_TYPES}")
        with self._orders.shared.lock:
            order = self._orders.orders[order_id]
            if order["status"] in ("UNPAID", "CANCELLED"):
                raise ValueError(f"order {order_id} is {order['status']}: nothing to return")
            wanted = set(line_item_ids) if line_item_ids is not None else None
            lines = [
                item
                for item in order["line_items"]
                if item["display_status"] != "CANCELLED" and (wanted is None or item["id"] in wanted)
            ]
            if not lines or (wanted is not None and len(lines) != len(wanted)):
                raise ValueError("name line items of the order that are not cancelled")
            now = int(self._orders.shared.clock())
            new_id = self._orders.shared.new_id
            currency = order["payment"]["currency"]
            record: JsonObject = {
                "return_id": new_id(),
                "order_id": order["id"],
                "shop_id": order["shop_id"],
                "return_type": return_type,
                "return_status": "REPLACEMENT_REQUEST_PENDING"
                if return_type == "REPLACEMENT"
                else "RETURN_OR_REFUND_REQUEST_PENDING",
                "role": role,
                "return_reason": "ecom_order_delivered_refund_and_return_reason_not_as_described",
                "return_reason_text": reason,
                "return_method": "PLATFORM_SHIPPED" if return_type == "RETURN_AND_REFUND" else "",
                "can_buyer_keep_item": return_type == "REFUND",
                "create_time": now,
                "update_time": now,
                "return_line_items": [
                    {
                        "return_line_item_id": new_id(),
                        **_line_facts(item),
                        "refund_amount": _line_refund(item),
                    }
                    for item in lines
                ],
                "discount_amount": [_discounts(lines, currency)],
                "shipping_fee_amount": [
                    {
                        "currency": currency,
                        "seller_paid_return_shipping_fee": money(ZERO, currency),
                        "platform_paid_return_shipping_fee": money(ZERO, currency),
                        "buyer_paid_return_shipping_fee": money(ZERO, currency),
                    }
                ],
                "refund_amount": _refund(lines, currency, ZERO),
            }
            self.returns[record["return_id"]] = record
            self._orders.webhooks.return_changed(record)
            return str(record["return_id"])

    def advance_return(self, return_id: str, *statuses: str) -> JsonObject:
        """Move the return through ``statuses`` in turn, a webhook 12 for each; the return as Search
        Returns answers it."""
        with self._orders.shared.lock:
            record = self.returns[return_id]
            for status in statuses:
                if status not in RETURN_STATUSES:
                    raise ValueError(f"unknown return status {status!r}")
                record["return_status"] = status
                self._orders.shared.touch(record)
                self._orders.webhooks.return_changed(record)
            return _public(record)

    # --- the API ---

    def api_cancel_order(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        """Cancel Order (the seller): the whole order, or the line items named by id or by SKU."""
        order = self._orders.order_of(shop, str(body.get("order_id", "")))
        if order is None:
            raise ApiFailure(NO_PERMISSION, "No permission to process this order")
        if not body.get("cancel_reason"):
            raise ApiFailure(INVALID_PARAMETER, "An invalid request parameter was passed: cancel_reason")
        if order["status"] in NOT_CANCELLABLE:
            raise ApiFailure(
                25001051, "Not allowed to return or cancel since order is completed or cancelled"
            )
        named = [str(i) for i in body.get("order_line_item_ids") or ()]
        for sku in body.get("skus") or ():
            named.extend(
                self._lines_of_sku(order, str(sku.get("sku_id", "")), int(sku.get("quantity", 0)), named)
            )
        if order["status"] in SHIPPED_ORDER and not named:
            raise ApiFailure(
                25001045,
                "The order has already been shipped and we are unable to cancel shipment with the courier.",
            )
        lines = self._cancellable_lines(order, named or None)
        if lines is None:
            raise ApiFailure(
                25001045,
                "The order has already been shipped and we are unable to cancel shipment with the courier.",
            )
        cancel_id = self._cancel(order, lines, "SELLER", "CANCEL", str(body["cancel_reason"]))
        return {"cancel_id": cancel_id, "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}

    def api_search_cancellations(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject
    ) -> JsonObject:
        chosen = _search(
            self.cancellations.values(),
            shop,
            body,
            {
                "cancel_ids": "cancel_id",
                "order_ids": "order_id",
                "cancel_types": "cancel_type",
                "cancel_status": "cancel_status",
            },
        )
        found, token, total = _page(chosen, query, default=10, low=1, high=50)
        return {"cancellations": found, "next_page_token": token, "total_count": total}

    def api_search_returns(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        chosen = _search(
            self.returns.values(),
            shop,
            body,
            {
                "return_ids": "return_id",
                "order_ids": "order_id",
                "return_types": "return_type",
                "return_status": "return_status",
            },
        )
        found, token, total = _page(chosen, query, default=10, low=10, high=50)
        return {"return_orders": found, "next_page_token": token, "total_count": total}

    # --- the rules ---

    def _cancellable_lines(
        self, order: JsonObject, line_ids: Iterable[str] | None
    ) -> list[JsonObject] | None:
        """The line items to cancel (None when one of them is shipped; ValueError for a stranger)."""
        items = {item["id"]: item for item in order["line_items"]}
        if line_ids is None:
            if order["status"] in SHIPPED_ORDER:
                return None
            return [
                i
                for i in order["line_items"]
                if i["display_status"] != "CANCELLED" and i.get("package_status") not in SHIPPED_PACKAGE
            ]
        chosen = []
        for line_id in line_ids:
            if line_id not in items:
                raise ApiFailure(INVALID_PARAMETER, f"line item {line_id} is not of the order")
            if items[line_id].get("package_status") in SHIPPED_PACKAGE:
                return None
            chosen.append(items[line_id])
        return chosen

    @staticmethod
    def _lines_of_sku(order: JsonObject, sku_id: str, quantity: int, taken: list[str]) -> list[str]:
        free = [
            i["id"]
            for i in order["line_items"]
            if i["sku_id"] == sku_id and i["display_status"] != "CANCELLED" and i["id"] not in taken
        ]
        if quantity < 1 or len(free) < quantity:
            raise ApiFailure(
                25005011, "The requested line item(s) for return or refund exceeds the allowable limit."
            )
        return free[:quantity]

    def _cancel(self, order: JsonObject, lines: list[JsonObject], role: str, kind: str, reason: str) -> str:
        orders = self._orders
        now = int(orders.shared.clock())
        new_id = orders.shared.new_id
        currency = order["payment"]["currency"]
        remaining = [i for i in order["line_items"] if i["display_status"] != "CANCELLED" and i not in lines]
        whole = not remaining
        shipping = amount(order["payment"]["shipping_fee"]) + amount(order["payment"]["shipping_fee_tax"])
        record: JsonObject = {
            "cancel_id": new_id(),
            "order_id": order["id"],
            "shop_id": order["shop_id"],
            "cancel_type": kind,
            "cancel_status": "CANCELLATION_REQUEST_SUCCESS",
            "role": role,
            "cancel_reason": "ecom_order_cancel_reason_" + reason.lower().replace(" ", "_"),
            "cancel_reason_text": reason,
            "create_time": now,
            "update_time": now,
            "cancel_line_items": [
                {"cancel_line_item_id": new_id(), **_line_facts(item), "refund_amount": _line_refund(item)}
                for item in lines
            ],
            "refund_amount": _refund(lines, currency, shipping if whole else ZERO, order if whole else None),
        }
        self.cancellations[record["cancel_id"]] = record
        orders.webhooks.cancellation_changed(record)
        for item in lines:
            item.update(display_status="CANCELLED", cancel_user=role, cancel_reason=reason)
            if item.get("package_id"):
                package = orders.packages[item["package_id"]]
                package["line_item_ids"] = [i for i in package["line_item_ids"] if i != item["id"]]
                if not package["line_item_ids"]:
                    package["status"] = "CANCELLED"
                item["package_status"] = "CANCELLED"
        if whole:
            order["cancellation_initiator"] = "SYSTEM" if role == "OPERATOR" else role
            order["cancel_reason"] = reason
            orders.change_status(order, "CANCELLED")
        else:
            orders.shared.touch(order)
        record["cancel_status"] = "CANCELLATION_REQUEST_COMPLETE"
        orders.shared.touch(record)
        orders.webhooks.cancellation_changed(record)
        return str(record["cancel_id"])


def _line_facts(item: Mapping[str, Any]) -> JsonObject:
    return {
        "order_line_item_id": item["id"],
        "sku_id": item["sku_id"],
        "sku_name": item["sku_name"],
        "product_name": item["product_name"],
        "seller_sku": item["seller_sku"],
        "product_image": {"url": "", "width": 200, "height": 200},
    }


def _line_refund(item: Mapping[str, Any]) -> JsonObject:
    currency = item["currency"]
    subtotal, tax = amount(item["sale_price"]), amount(item["_tax"])
    return {
        "currency": currency,
        "refund_total": money(subtotal + tax, currency),
        "refund_subtotal": money(subtotal, currency),
        "refund_shipping_fee": money(ZERO, currency),
        "refund_tax": money(tax, currency),
    }


def _refund(
    lines: list[JsonObject], currency: str, shipping: Decimal, order: JsonObject | None = None
) -> JsonObject:
    """What the buyer gets back: the items' sale prices and taxes, and the shipping when the whole
    order is cancelled (then the refund is the order's total)."""
    subtotal = sum((amount(i["sale_price"]) for i in lines), ZERO)
    tax = sum((amount(i["_tax"]) for i in lines), ZERO)
    shipping_tax = amount(order["payment"]["shipping_fee_tax"]) if order is not None else ZERO
    return {
        "currency": currency,
        "refund_total": money(subtotal + tax + shipping, currency),
        "refund_subtotal": money(subtotal, currency),
        "refund_shipping_fee": money(shipping - shipping_tax, currency),
        "refund_tax": money(tax + shipping_tax, currency),
    }


def _discounts(lines: list[JsonObject], currency: str) -> JsonObject:
    return {
        "currency": currency,
        "product_seller_discount": money(sum((amount(i["seller_discount"]) for i in lines), ZERO), currency),
        "product_platform_discount": money(
            sum((amount(i["platform_discount"]) for i in lines), ZERO), currency
        ),
        "shipping_fee_platform_discount": money(ZERO, currency),
        "shipping_fee_seller_discount": money(ZERO, currency),
    }


def _public(record: JsonObject) -> JsonObject:
    return {key: value for key, value in record.items() if key != "shop_id"}


def _search(
    records: Iterable[JsonObject], shop: SandboxShop, body: JsonObject, lists: Mapping[str, str]
) -> list[JsonObject]:
    def within(value: int, low: Any, high: Any) -> bool:
        return (low is None or value >= int(low)) and (high is None or value < int(high))

    def wanted(record: JsonObject) -> bool:
        return (
            record["shop_id"] == shop.shop_id
            and all(not body.get(name) or record[key] in body[name] for name, key in lists.items())
            and within(record["create_time"], body.get("create_time_ge"), body.get("create_time_lt"))
            and within(record["update_time"], body.get("update_time_ge"), body.get("update_time_lt"))
        )

    return [_public(r) for r in records if wanted(r)]


def _page(
    records: list[JsonObject], query: Mapping[str, str], *, default: int, low: int, high: int
) -> tuple[list[JsonObject], str, int]:
    """A page as the search endpoints give them: ``page_size`` within the spec's "Valid range",
    sorted by ``sort_field`` (create_time by default), ASC by default."""
    size = int(query.get("page_size") or default)
    if not low <= size <= high:
        raise ApiFailure(INVALID_PARAMETER, f"page_size must be within [{low}-{high}]")
    sort_field = query.get("sort_field") or "create_time"
    if sort_field not in ("create_time", "update_time"):
        raise ApiFailure(INVALID_PARAMETER, "sort_field must be create_time or update_time")
    ordered = sorted(
        records,
        key=lambda r: (r[sort_field], r.get("cancel_id") or r.get("return_id")),
        reverse=(query.get("sort_order") or "ASC") == "DESC",
    )
    return page(ordered, {**query, "page_size": str(size)})
