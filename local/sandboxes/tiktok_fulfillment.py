"""The TikTok sandbox's shipping endpoints over the orders of ``tiktok_orders``: Ship Package, Mark
Package As Shipped, Get Package Detail and Get Tracking (fulfillment/*.spec.json, 202309).

- Ship Package ships one package: AWAITING_COLLECTION without ``self_shipment`` (the carrier collects
  it), IN_TRANSIT with a tracking number and provider; once every line item of the order is shipped.
  A package shipped before answers 21011040 "Package has already been shipped.".
- Mark Package As Shipped (``order_id`` in the path; ``order_line_item_ids``, ``tracking_number``,
  ``shipping_provider_id``) ships the given line items, or every unshipped one when none are named,
  as a package of their own (the one package they are in when they are all of it), IN_TRANSIT. A
  line item shipped before answers 21011020 "These orders are already shipped."; line items of another
  order 21011029; no line item named while unshipped ones sit in several packages 21011048.
- Either moves the order to PARTIALLY_SHIPPING while some line items are not shipped yet, then to
  AWAITING_COLLECTION or IN_TRANSIT, sending webhook type 1 at each change.
- Both refuse an order fulfilled by TikTok (21008025), a cancelled order (Ship Package 21011041, Mark
  Package As Shipped 21011003, its table having no cancelled-order code), one not awaiting shipment
  (21011003) and an unknown shipping provider (21011022), codes from each endpoint's error table.
"""

from __future__ import annotations

from local.sandboxes.tiktok_codes import ApiFailure, JsonObject
from local.sandboxes.tiktok_orders import PROVIDER_NAMES, SHIPPED_PACKAGE, Orders
from local.sandboxes.tiktok_state import SandboxShop

ALREADY_SHIPPED_PACKAGE = 21011040  # Ship Package: "Package has already been shipped."
ALREADY_SHIPPED_ITEMS = 21011020  # Mark Package As Shipped: "These orders are already shipped."
NOT_OF_ORDER = 21011029  # "order does not belong to fulfill unit"
NAME_THE_LINES = (
    21011048  # "There are multiple packages that can be shipped, please specify the order line..."
)
NOT_ALLOWED = 21011003  # "fulfill_unit action not allowed"
FULFILLED_BY_PLATFORM = 21008025  # "Seller cannot operate orders which are fulfilled by platform"
BAD_TRACKING = 21011022  # "Invalid tracking number or provider ID. Please double check and try again."
SHIPPABLE = frozenset({"AWAITING_SHIPMENT", "PARTIALLY_SHIPPING"})


class Fulfillment:
    """Packages shipped by the seller, and what the package and tracking endpoints say of them."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    def api_ship_package(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, package_id: str
    ) -> JsonObject:
        package = self._orders.packages.get(package_id)
        order = self._orders.order_of(shop, package["order_id"]) if package else None
        if package is None or order is None:
            raise ApiFailure(21011028, "The package does not belong to the current shop.")
        if order["status"] == "CANCELLED" or package["status"] == "CANCELLED":
            raise ApiFailure(21011041, "Cannot complete the operation when order is cancelled.")
        if order["fulfillment_type"] != "FULFILLMENT_BY_SELLER":
            raise ApiFailure(
                FULFILLED_BY_PLATFORM, "Seller cannot operate orders which are fulfilled by platform"
            )
        if package["status"] in SHIPPED_PACKAGE:
            raise ApiFailure(ALREADY_SHIPPED_PACKAGE, "Package has already been shipped.")
        if order["status"] not in SHIPPABLE:
            raise ApiFailure(NOT_ALLOWED, "fulfill_unit action not allowed")
        shipment = body.get("self_shipment") or {}
        tracking, provider = (
            str(shipment.get("tracking_number", "")),
            str(shipment.get("shipping_provider_id", "")),
        )
        if shipment and not (tracking and provider in PROVIDER_NAMES):
            raise ApiFailure(
                BAD_TRACKING, "Invalid tracking number or provider ID. Please double check and try again."
            )
        now = int(self._orders.shared.clock())
        if body.get("handover_method"):
            package["handover_method"] = body["handover_method"]
        self._orders.ship(order, package, "FULFILLING" if shipment else "PROCESSING", now, tracking, provider)
        self._orders.change_status(order, self._orders.shipping_status(order))
        return {}

    def api_mark_shipped(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, order_id: str
    ) -> JsonObject:
        order = self._orders.order_of(shop, order_id)
        if order is None:
            raise ApiFailure(
                21001001,
                "Invalid parameters. Please ensure you are passing the correct request parameter(s).",
            )
        if order["fulfillment_type"] != "FULFILLMENT_BY_SELLER":
            raise ApiFailure(
                FULFILLED_BY_PLATFORM, "Seller cannot operate orders which are fulfilled by platform"
            )
        items = {item["id"]: item for item in order["line_items"]}
        named = [str(i) for i in body.get("order_line_item_ids") or ()]
        if any(i not in items for i in named):
            raise ApiFailure(NOT_OF_ORDER, "order does not belong to fulfill unit")
        if any(items[i].get("package_status") in SHIPPED_PACKAGE for i in named):
            raise ApiFailure(ALREADY_SHIPPED_ITEMS, "These orders are already shipped.")
        if order["status"] not in SHIPPABLE or any(items[i]["display_status"] == "CANCELLED" for i in named):
            raise ApiFailure(NOT_ALLOWED, "fulfill_unit action not allowed")
        tracking, provider = str(body.get("tracking_number", "")), str(body.get("shipping_provider_id", ""))
        if not tracking or provider not in PROVIDER_NAMES:
            raise ApiFailure(
                BAD_TRACKING, "Invalid tracking number or provider ID. Please double check and try again."
            )
        unshipped = [
            i["id"]
            for i in order["line_items"]
            if i["display_status"] != "CANCELLED" and i.get("package_status") not in SHIPPED_PACKAGE
        ]
        if not named:
            holding = {items[i].get("package_id") for i in unshipped}
            if len(holding) > 1:
                raise ApiFailure(
                    NAME_THE_LINES,
                    "There are multiple packages that can be shipped, please specify the order line"
                    " that needs to be shipped.",
                )
            named = unshipped
        now = int(self._orders.shared.clock())
        package = self._package_of_exactly(order, named) or self._orders.new_package(order, named, now)
        self._orders.ship(order, package, "FULFILLING", now, tracking, provider)
        self._orders.change_status(order, self._orders.shipping_status(order))
        return {"order_id": order["id"], "order_line_item_ids": named, "package_id": package["id"]}

    def _package_of_exactly(self, order: JsonObject, line_ids: list[str]) -> JsonObject | None:
        """The unshipped package holding those line items and no other, if there is one."""
        for reference in order["packages"]:
            package = self._orders.packages[reference["id"]]
            if package["status"] == "TO_FULFILL" and sorted(package["line_item_ids"]) == sorted(line_ids):
                return package
        return None

    def api_package_detail(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, package_id: str
    ) -> JsonObject:
        package = self._orders.packages.get(package_id)
        order = self._orders.order_of(shop, package["order_id"]) if package else None
        if package is None or order is None:  # the only refusal in Get Package Detail's table
            raise ApiFailure(10006402, "permission denied")
        lines = [i for i in order["line_items"] if i["id"] in package["line_item_ids"]]
        counts: dict[str, int] = {}
        for line in lines:
            counts[line["sku_id"]] = counts.get(line["sku_id"], 0) + 1
        names = {line["sku_id"]: line["sku_name"] for line in lines}
        address = order["recipient_address"]
        detail: JsonObject = {
            "package_id": package["id"],
            "orders": [
                {
                    "id": order["id"],
                    "skus": [
                        {"id": sku, "name": names[sku], "image_url": "", "quantity": count}
                        for sku, count in counts.items()
                    ],
                }
            ],
            "package_status": package["status"],
            "split_and_combine_tag": "SPLIT" if len(order["packages"]) > 1 else "DEFAULT",
            "has_multi_skus": len(counts) > 1,
            "note_tag": "BUYER_NOTED" if order.get("buyer_message") else "BUYER_UNNOTED",
            "shipping_type": order["shipping_type"],
            "delivery_option_id": order["delivery_option_id"],
            "delivery_option_name": order["delivery_option_name"],
            "order_line_item_ids": list(package["line_item_ids"]),
            "recipient_address": {
                key: address[key]
                for key in (
                    "full_address",
                    "phone_number",
                    "name",
                    "postal_code",
                    "address_detail",
                    "region_code",
                    "address_line1",
                    "address_line2",
                    "address_line3",
                    "address_line4",
                )
                if key in address
            },
            "create_time": package["create_time"],
            "update_time": package["update_time"],
        }
        for key in ("tracking_number", "shipping_provider_id", "shipping_provider_name", "handover_method"):
            if key in package:
                detail[key] = package[key]
        return detail

    def api_tracking(
        self, shop: SandboxShop, query: dict[str, str], body: JsonObject, order_id: str
    ) -> JsonObject:
        """Get Tracking: the order's shipping events, latest first (its table has only 36009003, so an
        order of another shop has no events)."""
        order = self._orders.order_of(shop, order_id)
        events: list[JsonObject] = []
        if order is not None:
            for reference in order["packages"]:
                package = self._orders.packages[reference["id"]]
                if package["status"] not in SHIPPED_PACKAGE:
                    continue
                number = package.get("tracking_number", "")
                events.append(
                    _event(f"Shipped by the seller, tracking number {number}".strip(), package["rts_time"])
                )
                if package["status"] in ("FULFILLING", "COMPLETED"):
                    events.append(_event("Your package is in transit", package["rts_time"] + 1))
                if package["status"] == "COMPLETED":
                    delivered = int(order.get("delivery_time") or package["update_time"])
                    events.append(_event("Your package was delivered!", delivered))
        events.sort(key=lambda e: e["update_time_millis"], reverse=True)
        return {"tracking": events}


def _event(description: str, at: int) -> JsonObject:
    return {"description": description, "update_time_millis": int(at) * 1000}
