"""The TikTok sandbox's orders: orders seeded by tests or the control endpoints and moved through
their statuses (each change sends webhook type 1), and the order, cancellation, package shipping and
shipping provider endpoints, with the codes of their 202309 reference pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from local.sandboxes.tiktok_codes import ApiFailure, JsonObject, page
from local.sandboxes.tiktok_state import Accounts, SandboxShop, Shared
from local.sandboxes.tiktok_webhooks import WebhookSender

# Get Shipping Providers answers these for the sandbox's one delivery option.
STANDARD_DELIVERY_OPTION = "7091146663229654785"
SHIPPING_PROVIDERS = (
    {"id": "6617675021119438849", "name": "USPS"},
    {"id": "6617675021119438850", "name": "UPS"},
    {"id": "6617675021119438851", "name": "FedEx"},
    {"id": "6617675021119438852", "name": "DHL eCommerce"},
)

ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)


class Orders:
    """The orders of every shop, one package each."""

    def __init__(self, shared: Shared, accounts: Accounts, webhooks: WebhookSender) -> None:
        self._shared = shared
        self._accounts = accounts
        self._webhooks = webhooks
        self.orders: dict[str, JsonObject] = {}

    def create_order(
        self,
        shop_id: str | None = None,
        line_items: Iterable[Mapping[str, Any]] = (),
        status: str = "UNPAID",
        currency: str = "USD",
    ) -> str:
        """A new order; each line item may name product_id, sku_id, seller_sku, sale_price."""
        with self._shared.lock:
            shop = self._accounts.shop(shop_id)
            new_id = self._shared.new_id
            order_id, package_id, now = new_id(), new_id(), int(self._shared.clock())
            items = [
                {
                    "id": new_id(),
                    "product_id": str(item.get("product_id", "")),
                    "sku_id": str(item.get("sku_id", "")),
                    "seller_sku": str(item.get("seller_sku", "")),
                    "sale_price": str(item.get("sale_price", "10.00")),
                    "currency": currency,
                    "package_id": package_id,
                }
                for item in line_items
            ]
            total = sum((Decimal(item["sale_price"]) for item in items), Decimal("0"))
            self.orders[order_id] = {
                "id": order_id,
                "shop_id": shop.shop_id,
                "status": _api_order_status(status),
                "create_time": now,
                "update_time": now,
                "is_on_hold_order": status == "ON_HOLD",
                "line_items": items,
                "packages": [{"id": package_id}],
                "payment": {"currency": currency, "total_amount": str(total)},
                "shipping_type": "SELLER",
                "delivery_option_id": STANDARD_DELIVERY_OPTION,
            }
            self._webhooks.order_changed(self.orders[order_id])
            return order_id

    def advance_order(self, order_id: str, status: str) -> JsonObject:
        """Move an order to ``status`` (CANCEL or CANCELLED cancels) and send the type-1 webhook."""
        with self._shared.lock:
            order = self.orders[order_id]
            self._set_order_status(order, _api_order_status(status))
            return dict(order)

    def _set_order_status(self, order: JsonObject, status: str) -> None:
        self._shared.touch(order)
        order["status"] = status
        if status == "ON_HOLD":
            order["is_on_hold_order"] = True
        self._webhooks.order_changed(order)

    def api_search_orders(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        def wanted(order: JsonObject) -> bool:
            return (
                order["shop_id"] == shop.shop_id
                and order["update_time"] >= int(body.get("update_time_ge") or 0)
                and ("update_time_lt" not in body or order["update_time"] < int(body["update_time_lt"]))
                and (not body.get("order_status") or order["status"] == body["order_status"])
            )

        sort_field = query.get("sort_field", "create_time")
        found = sorted(
            (public_order(o) for o in self.orders.values() if wanted(o)),
            key=lambda o: (o.get(sort_field, 0), o["id"]),
            reverse=query.get("sort_order", "DESC") == "DESC",
        )
        orders, token, total = page(found, query)
        return {"orders": orders, "next_page_token": token, "total_count": total}

    def api_order_detail(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not ids or len(ids) > 50:
            raise ApiFailure(36009004, "ids must name 1 to 50 orders")
        orders = [self.orders.get(i) for i in ids]
        return {"orders": [public_order(o) for o in orders if o is not None and o["shop_id"] == shop.shop_id]}

    def api_cancel_order(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        order = self.orders.get(str(body.get("order_id", "")))
        if order is None or order["shop_id"] != shop.shop_id:
            raise ApiFailure(25020005, "No permission to process this order")
        if not body.get("cancel_reason"):
            raise ApiFailure(25001001, "An invalid request parameter was passed: cancel_reason")
        if order["status"] in ("COMPLETED", "CANCELLED"):
            raise ApiFailure(
                25001051, "Not allowed to return or cancel since order is completed or cancelled"
            )
        if order["status"] in ("IN_TRANSIT", "DELIVERED"):
            raise ApiFailure(25001045, "The order has already been shipped")
        order["cancellation_initiator"] = "SELLER"
        self._set_order_status(order, "CANCELLED")
        return {"cancel_id": self._shared.new_id(), "cancel_status": "CANCELLATION_REQUEST_SUCCESS"}

    def api_ship_package(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, package_id: str
    ) -> JsonObject:
        order = next(
            (o for o in self.orders.values() if any(p["id"] == package_id for p in o["packages"])),
            None,
        )
        if order is None or order["shop_id"] != shop.shop_id:
            raise ApiFailure(21011028, "The package does not belong to the current shop.")
        status = order["status"]
        if status == "CANCELLED":
            raise ApiFailure(21011041, "Cannot complete the operation when order is cancelled.")
        if status == "ON_HOLD":
            raise ApiFailure(21011044, "The order is on hold and cannot be fulfilled yet.")
        if status in ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"):
            raise ApiFailure(21011040, "Package has already been shipped.")
        if status != "AWAITING_SHIPMENT":
            raise ApiFailure(21011003, "fulfill_unit action not allowed")
        shipment = body.get("self_shipment") or {}
        if shipment and not (shipment.get("tracking_number") and shipment.get("shipping_provider_id")):
            raise ApiFailure(21011022, "Invalid tracking number or provider ID.")
        self._set_order_status(order, "IN_TRANSIT" if shipment else "AWAITING_COLLECTION")
        return {}


def api_shipping_providers(
    shop: SandboxShop, query: dict[str, str], body: JsonObject, delivery_option_id: str
) -> JsonObject:
    if delivery_option_id != STANDARD_DELIVERY_OPTION:
        raise ApiFailure(21011001, "The delivery option does not exist")
    return {"shipping_providers": [dict(provider) for provider in SHIPPING_PROVIDERS]}


def public_order(order: JsonObject) -> JsonObject:
    return {key: value for key, value in order.items() if key != "shop_id"}


def _api_order_status(status: str) -> str:
    status = "CANCELLED" if status in ("CANCEL", "CANCELED") else status
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    return status
