"""The TikTok sandbox's orders: orders seeded by tests or the control endpoints (chosen SKUs,
quantities, discounts, shipping fee, tax and a deterministic recipient; see ``tiktok_order_model``),
old orders for a shop's history, their statuses (each change sends webhook type 1), their packages,
and the order endpoints: Get Order List, Get Order Detail, Get Price Detail, Get Shipping Providers.

Shipping (Ship Package, Mark Package As Shipped, packages and tracking) is in ``tiktok_fulfillment``;
cancellations and returns in ``tiktok_aftersales``; both work on the records kept here.

A shop whose ``packages_before_shipping`` is off plays the markets where an order's line items carry
no ``package_id`` until the seller ships them (Mark Package As Shipped makes the packages); otherwise
an order gets one package of all its line items when it is created, as before.

Get Order List (orders/get-order-list.spec.json, 202309): filters ``create_time_ge``/``_lt``,
``update_time_ge``/``_lt`` (an open end is the shop's first or latest time), ``order_status``,
``shipping_type``, ``buyer_user_id``, ``is_buyer_request_cancel``; ``sort_field`` create_time (default)
or update_time, ``sort_order`` DESC by default; ``page_size`` [1-100] and an opaque ``page_token``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from local.sandboxes.tiktok_catalog import REGION_CURRENCY
from local.sandboxes.tiktok_codes import ApiFailure, JsonObject, page
from local.sandboxes.tiktok_order_model import (
    HIDDEN_RECIPIENT_STATUSES,
    amount,
    desensitized,
    fake_person,
    line_prices,
    money,
    payment,
    price_detail,
    recipient_address,
)
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
PROVIDER_NAMES = {provider["id"]: provider["name"] for provider in SHIPPING_PROVIDERS}

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
FULFILLMENT_TYPES = ("FULFILLMENT_BY_SELLER", "FULFILLMENT_BY_TIKTOK")
SHIPPING_TYPES = ("SELLER", "TIKTOK")
# A package's status (line item ``package_status``) and what the line item's display_status is then.
PACKAGE_DISPLAY = {
    "TO_FULFILL": "AWAITING_SHIPMENT",
    "PROCESSING": "AWAITING_COLLECTION",
    "FULFILLING": "IN_TRANSIT",
    "COMPLETED": "DELIVERED",
}
SHIPPED_PACKAGE = frozenset({"PROCESSING", "FULFILLING", "COMPLETED"})
# The package status an order status puts every unshipped line item's package in.
STATUS_PACKAGE = {
    "AWAITING_COLLECTION": "PROCESSING",
    "IN_TRANSIT": "FULFILLING",
    "DELIVERED": "COMPLETED",
    "COMPLETED": "COMPLETED",
}
HISTORY_STATUSES = ("DELIVERED", "COMPLETED")
DAY = 24 * 3600


class Orders:
    """The orders and packages of every shop."""

    def __init__(
        self,
        shared: Shared,
        accounts: Accounts,
        webhooks: WebhookSender,
        products: Mapping[str, JsonObject] | None = None,
    ) -> None:
        self._shared = shared
        self._accounts = accounts
        self.webhooks = webhooks
        self._products = products if products is not None else {}
        self.orders: dict[str, JsonObject] = {}
        self.packages: dict[str, JsonObject] = {}
        self._people = 0

    @property
    def shared(self) -> Shared:
        return self._shared

    # --- knobs ---

    def create_order(
        self,
        shop_id: str | None = None,
        line_items: Iterable[Mapping[str, Any]] = (),
        status: str = "UNPAID",
        currency: str | None = None,
        *,
        recipient: Mapping[str, Any] | None = None,
        buyer_email: str | None = None,
        buyer_message: str = "",
        shipping_fee: str | Decimal = "0",
        shipping_fee_seller_discount: str | Decimal = "0",
        shipping_fee_platform_discount: str | Decimal = "0",
        tax_rate: str | Decimal = "0",
        fulfillment_type: str = "FULFILLMENT_BY_SELLER",
        shipping_type: str = "SELLER",
        create_time: int | None = None,
        announce: bool = True,
        order_id: str | None = None,
    ) -> str:
        """A new order in ``status``; its id. Each line item may name ``product_id``, ``sku_id``,
        ``seller_sku``, ``product_name``, ``sku_name``, ``original_price``, ``sale_price``,
        ``seller_discount``, ``platform_discount`` (per unit) and ``quantity`` (that many line items,
        TikTok's line items being single units). A line naming a sandbox product (and a SKU by id or
        seller SKU) takes the missing names and ids from it. ``tax_rate`` taxes items and shipping;
        ``recipient`` overrides fields of the generated recipient address. No line items: one unit of
        a generic product at 10.00."""
        with self._shared.lock:
            shop = self._accounts.shop(shop_id)
            if fulfillment_type not in FULFILLMENT_TYPES or shipping_type not in SHIPPING_TYPES:
                raise ValueError(
                    f"unknown fulfillment_type {fulfillment_type} or shipping_type {shipping_type}"
                )
            currency = currency or REGION_CURRENCY.get(shop.region, "USD")
            rate = amount(tax_rate)
            new_id = self._shared.new_id
            order_id = order_id or new_id()  # a given id: a sample webhook's order
            now = int(self._shared.clock()) if create_time is None else int(create_time)
            given = list(line_items) or [{}]  # no line item named: one generic unit
            items = [line for item in given for line in self._line_items(shop, item, currency, rate, new_id)]
            person = fake_person(self._people)
            self._people += 1
            shipping = {
                "fee": amount(shipping_fee),
                "seller_discount": amount(shipping_fee_seller_discount),
                "platform_discount": amount(shipping_fee_platform_discount),
            }
            shipping_net = shipping["fee"] - shipping["seller_discount"] - shipping["platform_discount"]
            shipping["tax"] = amount(money(shipping_net * rate, currency))
            order: JsonObject = {
                "id": order_id,
                "shop_id": shop.shop_id,
                "status": "UNPAID",
                "user_id": str(7021436810468230000 + self._people),
                "buyer_email": buyer_email or person.email,
                "buyer_message": buyer_message,
                "create_time": now,
                "update_time": now,
                "is_on_hold_order": status == "ON_HOLD",
                "is_buyer_request_cancel": False,
                "is_cod": False,
                "is_sample_order": False,
                "is_replacement_order": False,
                "is_exchange_order": False,
                "has_updated_recipient_address": False,
                "fulfillment_type": fulfillment_type,
                "shipping_type": shipping_type,
                "delivery_type": "HOME_DELIVERY",
                "delivery_option_id": STANDARD_DELIVERY_OPTION,
                "delivery_option_name": "Standard shipping",
                "payment_method_name": "CCDC",
                "line_items": items,
                "packages": [],
                "recipient_address": recipient_address(person, shop.region, recipient),
                "_shipping": shipping,
                "_tax_rate": rate,
            }
            order["payment"] = self._payment(order)
            self.orders[order_id] = order
            if shop.packages_before_shipping:
                self.new_package(order, [item["id"] for item in items], now)
            self.apply_status(order, _api_order_status(status), now)
            if announce:
                self.webhooks.order_changed(order)
            return order_id

    def _line_items(
        self, shop: SandboxShop, item: Mapping[str, Any], currency: str, rate: Decimal, new_id: Any
    ) -> list[JsonObject]:
        original, seller, platform, sale = line_prices(item)
        known = self._known_sku(shop, item)
        quantity = int(item.get("quantity", 1))
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        return [
            {
                "id": new_id(),
                "product_id": str(item.get("product_id", "")),
                "sku_id": str(item.get("sku_id") or known.get("sku_id", "")),
                "seller_sku": str(item.get("seller_sku") or known.get("seller_sku", "")),
                "product_name": str(item.get("product_name") or known.get("product_name", "Sandbox product")),
                "sku_name": str(item.get("sku_name") or known.get("sku_name", "Default")),
                "sku_image": "",
                "original_price": money(original, currency),
                "sale_price": money(sale, currency),
                "seller_discount": money(seller, currency),
                "platform_discount": money(platform, currency),
                "currency": currency,
                "display_status": "UNPAID",
                "is_gift": False,
                "item_tax": [
                    {
                        "tax_type": "SALES_TAX",
                        "tax_amount": money(sale * rate, currency),
                        "tax_rate": str(rate),
                    }
                ]
                if rate
                else [],
                "_tax": money(sale * rate, currency),
            }
            for _ in range(quantity)
        ]

    def _known_sku(self, shop: SandboxShop, item: Mapping[str, Any]) -> dict[str, str]:
        """Names and ids of the sandbox product a line names (by product_id, then sku_id or seller_sku)."""
        product = self._products.get(str(item.get("product_id", "")))
        if product is None or product.get("shop_id") != shop.shop_id:
            return {}
        skus = product.get("skus") or []
        sku = next(
            (
                s
                for s in skus
                if (item.get("sku_id") and s.get("id") == str(item["sku_id"]))
                or (item.get("seller_sku") and s.get("seller_sku") == str(item["seller_sku"]))
            ),
            skus[0] if len(skus) == 1 and not item.get("sku_id") and not item.get("seller_sku") else None,
        )
        found = {"product_name": str(product.get("title", ""))}
        if sku is not None:
            values = [str(a.get("value_name", "")) for a in sku.get("sales_attributes") or ()]
            found.update(sku_id=str(sku["id"]), seller_sku=str(sku.get("seller_sku", "")))
            found["sku_name"] = ", ".join(v for v in values if v) or "Default"
        return found

    def add_history(
        self,
        shop_id: str | None,
        count: int,
        *,
        before: int,
        line_items: Iterable[Mapping[str, Any]] = (),
        spacing_seconds: int = 3600,
    ) -> list[str]:
        """``count`` old orders of the shop, all created and last updated before ``before`` (epoch
        seconds), alternately DELIVERED and COMPLETED, each ``spacing_seconds`` after the one before;
        their ids, oldest first. No webhook: they happened before anyone listened. Each order takes the
        next of ``line_items`` in turn (default: one generic unit)."""
        lines = list(line_items) or [{"seller_sku": "HISTORY-1", "sale_price": "10.00"}]
        created: list[str] = []
        with self._shared.lock:
            for index in range(count):
                start = before - 3 * DAY - (count - index) * spacing_seconds
                order_id = self.create_order(
                    shop_id,
                    [lines[index % len(lines)]],
                    "AWAITING_SHIPMENT",
                    create_time=start,
                    announce=False,
                )
                order = self.orders[order_id]
                self.apply_status(
                    order, HISTORY_STATUSES[index % 2], start + DAY, tracking=f"HIST{order_id[-8:]}"
                )
                order["update_time"] = start + 2 * DAY
                created.append(order_id)
        return created

    def advance_order(self, order_id: str, status: str) -> JsonObject:
        """Move an order to ``status`` (CANCEL or CANCELLED cancels) and send the type-1 webhook."""
        with self._shared.lock:
            order = self.orders[order_id]
            self._shared.touch(order)
            self.apply_status(order, _api_order_status(status), order["update_time"])
            self.webhooks.order_changed(order)
            return dict(order)

    # --- the records' rules, for this module, tiktok_fulfillment and tiktok_aftersales ---

    def order_of(self, shop: SandboxShop, order_id: str) -> JsonObject | None:
        order = self.orders.get(order_id)
        return order if order is not None and order["shop_id"] == shop.shop_id else None

    def new_package(self, order: JsonObject, line_ids: list[str], now: int) -> JsonObject:
        """A package of those line items (taken out of any unshipped package they were in)."""
        package_id = self._shared.new_id()
        for old in [self.packages[p["id"]] for p in order["packages"]]:
            if old["status"] == "TO_FULFILL":
                old["line_item_ids"] = [i for i in old["line_item_ids"] if i not in line_ids]
        order["packages"] = [p for p in order["packages"] if self.packages[p["id"]]["line_item_ids"]]
        package: JsonObject = {
            "id": package_id,
            "order_id": order["id"],
            "status": "TO_FULFILL",
            "line_item_ids": list(line_ids),
            "create_time": now,
            "update_time": now,
        }
        self.packages[package_id] = package
        order["packages"].append({"id": package_id})
        for item in order["line_items"]:
            if item["id"] in line_ids:
                item["package_id"] = package_id
                item["package_status"] = "TO_FULFILL"
        return package

    def ship(
        self,
        order: JsonObject,
        package: JsonObject,
        status: str,
        now: int,
        tracking: str = "",
        provider_id: str = "",
    ) -> None:
        """The package (and its line items) in a shipped status, with its tracking number."""
        package.update(status=status, update_time=now)
        provider_id = provider_id or SHIPPING_PROVIDERS[0]["id"]
        if tracking:
            package.update(tracking_number=tracking, shipping_provider_id=provider_id)
            package["shipping_provider_name"] = PROVIDER_NAMES.get(provider_id, "")
        package.setdefault("rts_time", now)
        for item in order["line_items"]:
            if item["id"] in package["line_item_ids"] and item["display_status"] != "CANCELLED":
                item.update(package_status=status, display_status=PACKAGE_DISPLAY[status])
                item.setdefault("rts_time", now)
                if tracking:
                    item.update(tracking_number=tracking, shipping_provider_id=provider_id)
                    item["shipping_provider_name"] = package["shipping_provider_name"]
        order.setdefault("rts_time", now)
        if tracking and "tracking_number" not in order:
            order.update(tracking_number=tracking, shipping_provider_id=provider_id)
            order["shipping_provider"] = package["shipping_provider_name"]

    def shipping_status(self, order: JsonObject) -> str:
        """The order status its line items' packages make: AWAITING_SHIPMENT, PARTIALLY_SHIPPING,
        AWAITING_COLLECTION or IN_TRANSIT."""
        active = [i for i in order["line_items"] if i["display_status"] != "CANCELLED"]
        shipped = [i for i in active if i.get("package_status") in SHIPPED_PACKAGE]
        if not shipped:
            return "AWAITING_SHIPMENT"
        if len(shipped) < len(active):
            return "PARTIALLY_SHIPPING"
        if any(i.get("package_status") == "PROCESSING" for i in shipped):
            return "AWAITING_COLLECTION"
        return "IN_TRANSIT"

    def change_status(self, order: JsonObject, status: str) -> None:
        """A status change the platform makes (shipping, cancelling): type 1 when it changes."""
        if order["status"] == status:
            return
        self._shared.touch(order)
        self.apply_status(order, status, order["update_time"])
        self.webhooks.order_changed(order)

    def apply_status(self, order: JsonObject, status: str, now: int, tracking: str = "") -> None:
        """``status`` and what comes with it: paid, shipping, collection, delivery and cancel times,
        the packages of a shipped order, the line items' display status."""
        order["status"] = status
        if status == "ON_HOLD":
            order["is_on_hold_order"] = True
        if status not in ("UNPAID", "CANCELLED"):
            order.setdefault("paid_time", now)
        if status in STATUS_PACKAGE:
            self._ship_everything(order, STATUS_PACKAGE[status], now, tracking)
        if status == "IN_TRANSIT":
            order.setdefault("collection_time", now)
        if status in ("DELIVERED", "COMPLETED"):
            order.setdefault("collection_time", now)
            order.setdefault("delivery_time", now)
        if status == "CANCELLED":
            order.setdefault("cancel_time", now)
            for item in order["line_items"]:
                if item.get("package_status") not in SHIPPED_PACKAGE:
                    item["display_status"] = "CANCELLED"
                    if item.get("package_id"):
                        item["package_status"] = "CANCELLED"
        elif status in ("UNPAID", "AWAITING_SHIPMENT", "ON_HOLD"):
            for item in order["line_items"]:
                if (
                    item["display_status"] != "CANCELLED"
                    and item.get("package_status") not in SHIPPED_PACKAGE
                ):
                    item["display_status"] = "AWAITING_SHIPMENT" if status == "ON_HOLD" else status
        if status == "COMPLETED":
            for item in order["line_items"]:
                if item["display_status"] != "CANCELLED":
                    item["display_status"] = "COMPLETED"
        order["payment"] = self._payment(order)

    def _ship_everything(self, order: JsonObject, package_status: str, now: int, tracking: str) -> None:
        active = [i for i in order["line_items"] if i["display_status"] != "CANCELLED"]
        loose = [i["id"] for i in active if not i.get("package_id")]
        if loose:
            self.new_package(order, loose, now)
        for reference in order["packages"]:
            package = self.packages[reference["id"]]
            if package["status"] != "CANCELLED":
                # a later status moves shipped packages on too, never back
                order_of_status = ("TO_FULFILL", "PROCESSING", "FULFILLING", "COMPLETED")
                if order_of_status.index(package["status"]) < order_of_status.index(package_status):
                    self.ship(
                        order, package, package_status, now, tracking or package.get("tracking_number", "")
                    )

    def _payment(self, order: JsonObject) -> JsonObject:
        shipping = order["_shipping"]
        return payment(
            order["line_items"],
            order["line_items"][0]["currency"],
            shipping_fee=shipping["fee"],
            shipping_seller_discount=shipping["seller_discount"],
            shipping_platform_discount=shipping["platform_discount"],
            shipping_fee_tax=shipping["tax"],
        )

    # --- the API ---

    def api_search_orders(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        def within(value: int, low: Any, high: Any) -> bool:
            return (low is None or value >= int(low)) and (high is None or value < int(high))

        def wanted(order: JsonObject) -> bool:
            return (
                order["shop_id"] == shop.shop_id
                and within(order["create_time"], body.get("create_time_ge"), body.get("create_time_lt"))
                and within(order["update_time"], body.get("update_time_ge"), body.get("update_time_lt"))
                and (not body.get("order_status") or order["status"] == body["order_status"])
                and (not body.get("shipping_type") or order["shipping_type"] == body["shipping_type"])
                and (not body.get("buyer_user_id") or order["user_id"] == body["buyer_user_id"])
                and (
                    body.get("is_buyer_request_cancel") is None
                    or order["is_buyer_request_cancel"] == body["is_buyer_request_cancel"]
                )
            )

        sort_field = query.get("sort_field") or "create_time"
        found = sorted(
            (public_order(o) for o in self.orders.values() if wanted(o)),
            key=lambda o: (o.get(sort_field, 0), o["id"]),
            reverse=(query.get("sort_order") or "DESC") == "DESC",
        )
        orders, token, total = page(found, query)
        return {"orders": orders, "next_page_token": token, "total_count": total}

    def api_order_detail(self, shop: SandboxShop, query: dict[str, str], body: JsonObject) -> JsonObject:
        ids = [i for i in query.get("ids", "").split(",") if i]
        if not ids or len(ids) > 50:
            raise ApiFailure(36009004, "ids must name 1 to 50 orders")
        orders = [self.order_of(shop, i) for i in ids]
        return {"orders": [public_order(o) for o in orders if o is not None]}

    def api_price_detail(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, order_id: str
    ) -> JsonObject:
        order = self.order_of(shop, order_id)
        if order is None:  # Get Price Detail's error table
            raise ApiFailure(21008111, "The order or package does not belong to the current seller.")
        return price_detail(order)


def api_shipping_providers(
    shop: SandboxShop, query: dict[str, str], body: JsonObject, delivery_option_id: str
) -> JsonObject:
    if delivery_option_id != STANDARD_DELIVERY_OPTION:
        raise ApiFailure(21011001, "The delivery option does not exist")
    return {"shipping_providers": [dict(provider) for provider in SHIPPING_PROVIDERS]}


def public_order(order: JsonObject) -> JsonObject:
    """The order as the API answers it: no sandbox bookkeeping, no recipient while UNPAID or ON_HOLD,
    a desensitized one under platform logistics."""
    shown = {key: value for key, value in order.items() if key != "shop_id" and not key.startswith("_")}
    shown["line_items"] = [
        {key: value for key, value in item.items() if not key.startswith("_")} for item in order["line_items"]
    ]
    shown["packages"] = [dict(reference) for reference in order["packages"]]
    if order["status"] in HIDDEN_RECIPIENT_STATUSES:
        shown.pop("recipient_address", None)
    elif order["shipping_type"] == "TIKTOK":
        shown["recipient_address"] = desensitized(order["recipient_address"])
    return shown


def _api_order_status(status: str) -> str:
    status = "CANCELLED" if status in ("CANCEL", "CANCELED") else status
    if status not in ORDER_STATUSES:
        raise ValueError(f"unknown order status {status!r}")
    return status
