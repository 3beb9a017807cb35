"""The sandbox's GraphQL Admin endpoint: graphql-core over Shopify's real Admin schema, resolvers
over the shop's records, and Shopify's cost-based leaky bucket in front.

A document that fails validation, or variables that do not fit the types its operation declares,
are refused as Shopify refuses them (HTTP 200, ``{"errors": [...]}``, nothing executed) and
recorded as violations of the contract (see shopify_contract), unless a tolerated gap covers them.

Throttling as shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits describes it: a query runs
only if the bucket holds its requested cost; afterwards the difference between requested and actual
cost is refunded; every answer reports ``extensions.cost``; a refused one answers
``errors: [{message: "Throttled", extensions: {code: "THROTTLED"}}]``.

Bulk queries (``bulkOperationRunQuery``, see shopify_bulk) are checked and recorded here, run by the
sandbox in the background through ``GraphQLEndpoint.execute_bulk``, and read back with ``node`` and
``currentBulkOperation`` (shopify.dev/docs/api/usage/bulk-operations/queries).
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    VariableNode,
    execute_sync,
    get_operation_ast,
)
from graphql.execution import get_variable_values

from local.sandboxes.shopify_bulk import BulkQuery, BulkQueryError, parse_bulk_query
from local.sandboxes.shopify_catalog import (
    SandboxBulkOperation,
    SandboxImage,
    SandboxLocation,
    SandboxOrder,
    SandboxProduct,
    SandboxSubscription,
    SandboxVariant,
    shop_number,
)
from local.sandboxes.shopify_contract import Contract, fit_variables, operation_label
from local.sandboxes.shopify_orders import Notify, OrderBook, order_object
from local.sandboxes.shopify_schema import MAX_PAGE, MAX_QUERY_COST, QueryCost, admin_schema, checked


class LeakyBucket:
    """One app+shop's cost bucket: ``maximum`` points, refilled at ``restore_rate`` per second."""

    def __init__(self, maximum: float, restore_rate: float, clock: Callable[[], float]) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._available = maximum
        self._at = clock()
        self._lock = threading.Lock()
        self.charged = 0.0  # points spent by answered queries (requested, less what was refunded)

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: float) -> bool:
        with self._lock:
            self._refill()
            if self._available < cost:
                return False
            self._available -= cost
            self.charged += cost
            return True

    def refund(self, points: float) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + max(0.0, points))
            self.charged -= max(0.0, points)

    def status(self) -> dict[str, float]:
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": float(int(self._available)),
                "restoreRate": float(self.restore_rate),
            }


@dataclass
class ShopState:
    shop: str
    products: dict[int, SandboxProduct]
    bucket: LeakyBucket
    orders: dict[int, SandboxOrder] = field(default_factory=dict)
    subscriptions: dict[int, SandboxSubscription] = field(default_factory=dict)
    bulk_operations: dict[int, SandboxBulkOperation] = field(default_factory=dict)  # oldest first
    locations: tuple[SandboxLocation, ...] = ()
    iana_timezone: str = "America/New_York"  # shop.ianaTimezone
    currency: str = "USD"  # shop.currencyCode

    def variant(self, variant_id: int) -> tuple[SandboxProduct, SandboxVariant] | None:
        for product in self.products.values():
            for variant in product.variants:
                if variant.id == variant_id:
                    return product, variant
        return None

    def inventory_item(self, item_id: int) -> tuple[SandboxProduct, SandboxVariant] | None:
        for product in self.products.values():
            for variant in product.variants:
                if variant.inventory_item_id == item_id:
                    return product, variant
        return None


def gid_number(gid: str, kind: str) -> int | None:
    match = re.fullmatch(rf"gid://shopify/{kind}/(\d+)", gid or "")
    return int(match.group(1)) if match else None


def cursor_of(item_id: int) -> str:
    return base64.b64encode(f"id:{item_id}".encode()).decode()


def _after_id(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(base64.b64decode(cursor).decode().removeprefix("id:"))
    except ValueError as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc


# What a connection reads of each record: its numeric id (the order and the cursors), its node.
SortKey = Callable[[Any], int]
NodeBuilder = Callable[[Any], dict[str, Any]]
# How a resolver turns records into a connection: ``page`` for ordinary queries, ``every`` in bulk.
Connection = Callable[[Sequence[Any], SortKey, NodeBuilder, dict[str, Any]], dict[str, Any]]


def page(items: Sequence[Any], key: SortKey, build: NodeBuilder, args: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection over ``items`` (sorted by ``key``) for first/after or last/before."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for size in (first, last):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise GraphQLError(f"The value of first or last must be between 0 and {MAX_PAGE}")
    ordered = sorted(items, key=key, reverse=bool(args.get("reverse")))
    after, before = _after_id(args.get("after")), _after_id(args.get("before"))
    start = next((i + 1 for i, item in enumerate(ordered) if key(item) == after), 0) if after else 0
    end = next((i for i, item in enumerate(ordered) if key(item) == before), len(ordered))
    window = ordered[start:end]
    chosen = window[:first] if first is not None else window[max(0, len(window) - (last or 0)) :]
    return _connection(
        chosen,
        key,
        build,
        has_next=first is not None and len(window) > len(chosen),
        has_previous=start > 0 or (last is not None and len(window) > len(chosen)),
    )


def every(items: Sequence[Any], key: SortKey, build: NodeBuilder, args: dict[str, Any]) -> dict[str, Any]:
    """A connection over all of ``items``: a bulk query ignores first/last/after/before."""
    ordered = sorted(items, key=key, reverse=bool(args.get("reverse")))
    return _connection(ordered, key, build, has_next=False, has_previous=False)


def _connection(
    chosen: Sequence[Any],
    key: SortKey,
    build: NodeBuilder,
    *,
    has_next: bool,
    has_previous: bool,
) -> dict[str, Any]:
    nodes = [build(item) for item in chosen]
    return {
        "nodes": nodes,
        "edges": [
            {"cursor": cursor_of(key(item)), "node": node} for item, node in zip(chosen, nodes, strict=True)
        ],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursor_of(key(chosen[0])) if chosen else None,
            "endCursor": cursor_of(key(chosen[-1])) if chosen else None,
        },
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def image_object(image: SandboxImage) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/ProductImage/{image.id}",
        "url": lambda info, transform=None: image.url,
        "altText": image.alt_text,
        "width": image.width,
        "height": image.height,
    }


def media_image_object(image: SandboxImage) -> dict[str, Any]:
    """A product image as ``Media`` (``MediaImage``), the non-deprecated way to a variant's image
    (shopify.dev/docs/api/admin-graphql/2025-10/objects/MediaImage). The sandbox gives the media
    and the image one number, so ids read either way name the same picture."""
    return {
        "__typename": "MediaImage",  # how graphql-core picks the Media type of a dict
        "id": f"gid://shopify/MediaImage/{image.id}",
        "alt": image.alt_text,
        "mediaContentType": "IMAGE",
        "status": "READY",
        "mimeType": f"image/{image.format}",
        "image": image_object(image),
    }


def location_object(location: SandboxLocation) -> dict[str, Any]:
    return {
        "__typename": "Location",
        "id": location.gid,
        "legacyResourceId": str(location.id),
        "name": location.name,
        "isActive": location.active,
        "fulfillsOnlineOrders": location.fulfills_online_orders,
        "shipsInventory": location.fulfills_online_orders,
    }


# Inventory states an InventoryLevel reports (shopify.dev/docs/apps/build/orders-fulfillment/
# inventory-management-apps/manage-quantities-states); the sandbox has nothing committed or incoming.
QUANTITY_NAMES = (
    "available",
    "on_hand",
    "committed",
    "incoming",
    "reserved",
    "damaged",
    "safety_stock",
    "quality_control",
)


def inventory_level_object(
    variant: SandboxVariant, location: SandboxLocation, item: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    available = variant.levels.get(location.id, 0)

    def quantities(info: Any, names: list[str]) -> list[dict[str, Any]]:
        unknown = [name for name in names if name not in QUANTITY_NAMES]
        if unknown:
            raise GraphQLError(f"Invalid quantity names: {', '.join(unknown)}")
        amounts = {"available": available, "on_hand": available}
        return [
            {
                "id": f"gid://shopify/InventoryQuantity/{location.id}-{variant.inventory_item_id}-{name}",
                "name": name,
                "quantity": amounts.get(name, 0),
                "updatedAt": _iso(variant.updated_at),
            }
            for name in names
        ]

    return {
        "id": f"gid://shopify/InventoryLevel/{location.id}?inventory_item_id={variant.inventory_item_id}",
        "location": location_object(location),
        "item": lambda info: item(),
        "quantities": quantities,
        "canDeactivate": not location.fulfills_online_orders,
        "createdAt": _iso(variant.updated_at),
        "updatedAt": _iso(variant.updated_at),
    }


def inventory_item_object(
    variant: SandboxVariant, locations: Sequence[SandboxLocation], connection: Connection = page
) -> dict[str, Any]:
    stocked = [location for location in locations if location.id in variant.levels]

    def item() -> dict[str, Any]:
        return inventory_item_object(variant, locations, connection)

    def level(info: Any, locationId: str) -> dict[str, Any] | None:
        number = gid_number(locationId, "Location")
        found = next((loc for loc in stocked if loc.id == number), None)
        return inventory_level_object(variant, found, item) if found else None

    return {
        "__typename": "InventoryItem",
        "id": f"gid://shopify/InventoryItem/{variant.inventory_item_id}",
        "legacyResourceId": str(variant.inventory_item_id),
        "sku": variant.sku,
        "tracked": True,
        "measurement": {
            "id": f"gid://shopify/InventoryItemMeasurement/{variant.inventory_item_id}",
            "weight": {"unit": variant.weight_unit, "value": float(variant.weight)},
        },
        "inventoryLevels": lambda info, **args: connection(
            stocked, lambda loc: loc.id, lambda loc: inventory_level_object(variant, loc, item), args
        ),
        "inventoryLevel": level,
    }


def variant_object(
    product: SandboxProduct,
    variant: SandboxVariant,
    connection: Connection = page,
    locations: Sequence[SandboxLocation] = (),
) -> dict[str, Any]:
    image = next((i for i in product.images if i.id == variant.image_id), None)
    return {
        "__typename": "ProductVariant",
        "id": f"gid://shopify/ProductVariant/{variant.id}",
        "legacyResourceId": str(variant.id),
        "title": variant.title,
        "displayName": f"{product.title} - {variant.title}",
        "sku": variant.sku,
        "price": f"{variant.price:.2f}",
        "compareAtPrice": None if variant.compare_at_price is None else f"{variant.compare_at_price:.2f}",
        "inventoryQuantity": variant.inventory_quantity,
        "inventoryItem": inventory_item_object(variant, locations, connection),
        "selectedOptions": [
            {"name": name, "value": value, "optionValue": _option_value(product, name, value)}
            for name, value in variant.selected_options
        ],
        "image": lambda info, **args: image_object(image) if image else None,
        "media": lambda info, **args: connection(
            [image] if image else [], lambda i: i.id, media_image_object, args
        ),
        "product": lambda info: product_object(product, connection, locations),
        "position": product.variants.index(variant) + 1,
        "createdAt": _iso(product.created_at),
        "updatedAt": _iso(variant.updated_at),
    }


def _option_value(product: SandboxProduct, name: str, value: str) -> dict[str, Any]:
    position = next((i for i, option in enumerate(product.options) if option.name == name), 0)
    return {
        "id": f"gid://shopify/ProductOptionValue/{product.id * 100 + position * 10 + len(value)}",
        "name": value,
        "hasVariants": True,
    }


def product_object(
    product: SandboxProduct, connection: Connection = page, locations: Sequence[SandboxLocation] = ()
) -> dict[str, Any]:
    plain = re.sub(r"<[^>]+>", "", product.description_html)
    options = [
        {
            "id": f"gid://shopify/ProductOption/{product.id * 10 + position}",
            "name": option.name,
            "position": position,
            "values": list(option.values),
            "optionValues": [_option_value(product, option.name, value) for value in option.values],
        }
        for position, option in enumerate(product.options, start=1)
    ]
    category = product.category
    return {
        "__typename": "Product",
        "id": product.gid,
        "legacyResourceId": str(product.id),
        "title": product.title,
        "handle": product.handle,
        "description": lambda info, truncateAt=None: plain[:truncateAt] if truncateAt else plain,
        "descriptionHtml": product.description_html,
        "status": product.status,
        "vendor": product.vendor,
        "productType": product.product_type,
        "category": (
            {
                "id": f"gid://shopify/TaxonomyCategory/{category[0]}",
                "fullName": category[1],
                "name": category[1].rsplit(" > ", 1)[-1],
            }
            if category
            else None
        ),
        "options": lambda info, first=None: options[:first] if first is not None else options,
        "tags": product.tags,
        "totalInventory": sum(v.inventory_quantity for v in product.variants),
        "createdAt": _iso(product.created_at),
        "updatedAt": _iso(product.updated_at),
        "variants": lambda info, **args: connection(
            product.variants,
            lambda v: v.id,
            lambda v: variant_object(product, v, connection, locations),
            args,
        ),
        "images": lambda info, **args: connection(product.images, lambda i: i.id, image_object, args),
        "media": lambda info, **args: connection(product.images, lambda i: i.id, media_image_object, args),
    }


def bulk_operation_object(operation: SandboxBulkOperation) -> dict[str, Any]:
    return {
        "__typename": "BulkOperation",  # how graphql-core picks the Node type of a dict
        "id": operation.gid,
        "status": operation.status,
        "errorCode": operation.error_code,
        "createdAt": _iso(operation.created_at),
        "completedAt": _iso(operation.completed_at) if operation.completed_at else None,
        "objectCount": str(operation.object_count),  # UnsignedInt64 travels as a string
        "rootObjectCount": str(operation.root_object_count),
        "fileSize": None if operation.file_size is None else str(operation.file_size),
        "url": operation.url,
        "partialDataUrl": None,
        "query": operation.query,
        "type": "QUERY",
    }


# Starts running a bulk operation just recorded in the shop's state (the sandbox's background runner).
BulkStarter = Callable[[SandboxBulkOperation, BulkQuery], None]


class Resolvers:
    """The root value for one request: Query and Mutation fields over one shop's records.

    ``connection`` is ``page`` for requests and ``every`` when a bulk query runs; ``start_bulk`` is
    what ``bulkOperationRunQuery`` hands an accepted operation to; ``contract`` records a bulk
    query that fails validation (the sandbox's, so that it is seen)."""

    def __init__(
        self,
        state: ShopState,
        now: Callable[[], datetime],
        next_id: Callable[[], int],
        confirmation_url: Callable[[SandboxSubscription], str],
        *,
        connection: Connection = page,
        start_bulk: BulkStarter | None = None,
        contract: Contract | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.state = state
        self.now = now
        self.next_id = next_id
        self.confirmation_url = confirmation_url
        self.connection = connection
        self.start_bulk = start_bulk
        self.contract = contract or Contract()
        # Webhooks a mutation causes (inventory_levels/update), sent once the request is answered.
        self.notify: Notify = notify or (lambda topic, payload: None)
        self.raw_variables: dict[str, Any] = {}  # the request's variables as sent (GraphQLEndpoint)

    def root(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "product": self.product,
            "productVariant": self.product_variant,
            "productsCount": self.products_count,
            "node": self.node,
            "nodes": self.nodes,
            "locations": self.locations,
            "location": self.location,
            "inventoryItem": self.inventory_item,
            "currentBulkOperation": self.current_bulk_operation,
            "order": self.order,
            "job": self.job,
            "orderCreate": self.order_create,
            "orderCancel": self.order_cancel,
            "refundCreate": self.refund_create,
            "appSubscriptionCreate": self.app_subscription_create,
            "currentAppInstallation": self.current_app_installation,
            "shop": self.shop,
            "bulkOperationRunQuery": self.bulk_operation_run_query,
        }

    def products(self, info: Any, **args: Any) -> dict[str, Any]:
        return self.connection(
            list(self.state.products.values()),
            lambda p: p.id,
            lambda p: product_object(p, self.connection, self.state.locations),
            args,
        )

    def product(self, info: Any, id: str) -> dict[str, Any] | None:
        number = gid_number(id, "Product")
        found = self.state.products.get(number) if number is not None else None
        return product_object(found, self.connection, self.state.locations) if found else None

    def product_variant(self, info: Any, id: str) -> dict[str, Any] | None:
        number = gid_number(id, "ProductVariant")
        found = self.state.variant(number) if number is not None else None
        return variant_object(*found, self.connection, self.state.locations) if found else None

    def products_count(
        self, info: Any, query: str | None = None, limit: int | None = 10000, savedSearchId: str | None = None
    ) -> dict[str, Any]:
        """Like ``products``, the sandbox does not filter by ``query`` or a saved search: both see the
        whole catalog."""
        count = len(self.state.products)
        if limit is not None and count > limit:
            return {"count": limit, "precision": "AT_LEAST"}
        return {"count": count, "precision": "EXACT"}

    def node(self, info: Any, id: str) -> dict[str, Any] | None:
        """This shop's products, variants, inventory items, locations, orders and bulk operations; any
        other id answers null, as an id of another shop's would."""
        match = re.fullmatch(r"gid://shopify/(\w+)/(\d+)", id or "")
        if match is None:
            return None
        kind, number = match.group(1), int(match.group(2))
        state = self.state
        if kind == "BulkOperation":
            operation = state.bulk_operations.get(number)
            return bulk_operation_object(operation) if operation else None
        if kind == "Product":
            product = state.products.get(number)
            return product_object(product, self.connection, state.locations) if product else None
        if kind == "ProductVariant":
            found = state.variant(number)
            return variant_object(*found, self.connection, state.locations) if found else None
        if kind == "InventoryItem":
            found = state.inventory_item(number)
            return inventory_item_object(found[1], state.locations, self.connection) if found else None
        if kind == "Order":
            order = state.orders.get(number)
            return self._order_object(order) if order else None
        if kind == "Location":
            location = next((loc for loc in state.locations if loc.id == number), None)
            return location_object(location) if location else None
        return None

    def nodes(self, info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
        if len(ids) > MAX_PAGE:
            raise GraphQLError(f"The ids argument takes at most {MAX_PAGE} ids")
        return [self.node(info, id) for id in ids]

    def locations(self, info: Any, includeInactive: bool = False, **args: Any) -> dict[str, Any]:
        """The shop's locations by id; ``query``, ``sortKey`` and legacy locations are not modelled."""
        chosen = [loc for loc in self.state.locations if includeInactive or loc.active]
        return self.connection(chosen, lambda loc: loc.id, location_object, args)

    def location(self, info: Any, id: str | None = None) -> dict[str, Any] | None:
        if id is None:  # the shop's primary location
            return location_object(self.state.locations[0]) if self.state.locations else None
        found = self.node(info, id)
        return found if found and found.get("__typename") == "Location" else None

    def inventory_item(self, info: Any, id: str) -> dict[str, Any] | None:
        found = self.node(info, id)
        return found if found and found.get("__typename") == "InventoryItem" else None

    def current_bulk_operation(self, info: Any, type: str = "QUERY") -> dict[str, Any] | None:
        if type != "QUERY":  # the sandbox runs no bulk mutations
            return None
        latest = next(reversed(self.state.bulk_operations.values()), None)
        return bulk_operation_object(latest) if latest else None

    def bulk_operation_run_query(self, info: Any, query: str, groupObjects: bool = True) -> dict[str, Any]:
        label = operation_label(info.operation)
        try:
            plan = parse_bulk_query(query, lambda errors: self.contract.check(label, "bulk query", errors))
        except BulkQueryError as error:
            return _bulk_refusal("INVALID", ["query"], str(error))
        # Before 2026-01 an app runs one bulk query per shop at a time. Requests execute one at a
        # time (GraphQLEndpoint's lock), so this check and the insert below cannot interleave.
        running = next((op for op in self.state.bulk_operations.values() if op.in_progress), None)
        if running is not None:
            message = f"A bulk query operation for this app and shop is already in progress: {running.gid}."
            return _bulk_refusal("OPERATION_IN_PROGRESS", None, message)
        if self.start_bulk is None:
            raise GraphQLError("bulk operations cannot be started from inside a bulk operation")
        operation = SandboxBulkOperation(
            id=self.next_id(), query=query, group_objects=groupObjects, created_at=self.now()
        )
        self.state.bulk_operations[operation.id] = operation
        answer = bulk_operation_object(operation)  # CREATED, whatever the runner does next
        self.start_bulk(operation, plan)
        return {"bulkOperation": answer, "userErrors": []}

    # --- orders (shopify_orders) ---

    def _orders(self) -> OrderBook:
        return OrderBook(self.state, self.now, self.next_id, self.notify)

    def _order_object(self, order: SandboxOrder) -> dict[str, Any]:
        state, connection = self.state, self.connection

        def variant(variant_id: int) -> dict[str, Any] | None:
            found = state.variant(variant_id)
            return variant_object(*found, connection, state.locations) if found else None

        def location(location_id: int | None) -> dict[str, Any] | None:
            found = next((loc for loc in state.locations if loc.id == location_id), None)
            return location_object(found) if found else None

        return order_object(order, connection, variant, location)

    def order(self, info: Any, id: str) -> dict[str, Any] | None:
        number = gid_number(id, "Order")
        found = self.state.orders.get(number) if number is not None else None
        return self._order_object(found) if found else None

    def job(self, info: Any, id: str) -> dict[str, Any] | None:
        """A job the sandbox started (orderCancel's): it ran before the mutation answered."""
        return {"id": id, "done": True, "query": None} if id.startswith("gid://shopify/Job/") else None

    def order_create(
        self, info: Any, order: dict[str, Any], options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        sent = self._as_sent(info, "order", order)
        created, errors = self._orders().create(order, options, sent, self._as_sent(info, "options", options))
        return {"order": self._order_object(created) if created else None, "userErrors": errors}

    def _as_sent(self, info: Any, name: str, coerced: Any) -> Any:
        """An argument as the request sent it (its variable's JSON), not as coerced with the
        schema's defaults; the coerced value when it was written inline."""
        node = next((a for a in info.field_nodes[0].arguments if a.name.value == name), None)
        if node is not None and isinstance(node.value, VariableNode):
            return self.raw_variables.get(node.value.name.value, coerced)
        return coerced

    def order_cancel(self, info: Any, **args: Any) -> dict[str, Any]:
        return self._orders().cancel(args)

    def refund_create(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        order, refund, errors = self._orders().refund(input)
        if order is None or refund is None:
            return {"order": None, "refund": None, "userErrors": errors}
        answer = self._order_object(order)
        made = next(r for r in answer["refunds"](info) if r["id"] == f"gid://shopify/Refund/{refund.id}")
        return {"order": answer, "refund": made, "userErrors": []}

    def app_subscription_create(
        self,
        info: Any,
        name: str,
        lineItems: list[dict[str, Any]],
        returnUrl: str,
        test: bool | None = None,
        trialDays: int | None = None,
        replacementBehavior: str = "STANDARD",
    ) -> dict[str, Any]:
        recurring = [item["plan"]["appRecurringPricingDetails"] for item in lineItems]
        plans = [plan for plan in recurring if plan]
        errors = []
        if not name.strip():
            errors.append({"field": ["name"], "message": "Name can't be blank"})
        if len(plans) != 1:
            errors.append({"field": ["lineItems"], "message": "the sandbox takes exactly one recurring plan"})
        elif _deferred(self.state, plans[0], replacementBehavior):
            errors.append(
                {
                    "field": ["replacementBehavior"],
                    "message": "the sandbox replaces subscriptions immediately only, never at the next cycle",
                }
            )
        if errors:
            return {"appSubscription": None, "confirmationUrl": None, "userErrors": errors}
        now = self.now()
        subscription = SandboxSubscription(
            id=self.next_id(),
            shop=self.state.shop,
            name=name,
            price=Decimal(str(plans[0]["price"]["amount"])),
            currency=plans[0]["price"]["currencyCode"],
            interval=plans[0].get("interval") or "EVERY_30_DAYS",
            return_url=returnUrl,
            test=bool(test),
            created_at=now,
            updated_at=now,
            replacement=replacementBehavior,
        )
        self.state.subscriptions[subscription.id] = subscription
        return {
            "appSubscription": subscription_object(subscription, trialDays or 0),
            "confirmationUrl": self.confirmation_url(subscription),
            "userErrors": [],
        }

    def shop(self, info: Any) -> dict[str, Any]:
        # objects/Shop: ianaTimezone ("the shop's time zone as defined by the IANA") and
        # currencyCode ("the three letter code for the currency that the shop sells in").
        return {
            "__typename": "Shop",
            "id": f"gid://shopify/Shop/{shop_number(self.state.shop)}",
            "ianaTimezone": self.state.iana_timezone,
            "currencyCode": self.state.currency,
        }

    def current_app_installation(self, info: Any) -> dict[str, Any]:
        # AppInstallation.activeSubscriptions: "the active application subscriptions billed to the
        # shop on a recurring basis" (admin-graphql 2025-10, objects/AppInstallation).
        active = [s for s in self.state.subscriptions.values() if s.status == "ACTIVE"]
        return {
            "__typename": "AppInstallation",
            "id": f"gid://shopify/AppInstallation/{shop_number(self.state.shop)}",
            "activeSubscriptions": [subscription_object(s) for s in active],
        }


def subscription_object(subscription: SandboxSubscription, trial_days: int = 0) -> dict[str, Any]:
    """An AppSubscription; currentPeriodEnd is null unless it is active (objects/AppSubscription)."""
    gid = f"gid://shopify/AppSubscription/{subscription.id}"
    return {
        "__typename": "AppSubscription",
        "id": gid,
        "name": subscription.name,
        "status": subscription.status,
        "test": subscription.test,
        "returnUrl": subscription.return_url,
        "createdAt": _iso(subscription.created_at),
        "currentPeriodEnd": (
            _iso(subscription.current_period_end) if subscription.current_period_end else None
        ),
        "trialDays": trial_days,
        "lineItems": [
            {
                "id": f"gid://shopify/AppSubscriptionLineItem/{subscription.id}",
                "plan": {
                    "pricingDetails": {
                        "__typename": "AppRecurringPricing",
                        "interval": subscription.interval,
                        "price": {"amount": str(subscription.price), "currencyCode": subscription.currency},
                        "discount": None,
                        "planHandle": None,
                    }
                },
            }
        ],
    }


def _deferred(state: ShopState, plan: dict[str, Any], behavior: str) -> bool:
    """Whether Shopify would apply this subscription only at the next billing cycle
    (enums/AppSubscriptionReplacementBehavior; the discount-only case is not modelled)."""
    current = next((s for s in state.subscriptions.values() if s.status in ("ACTIVE", "FROZEN")), None)
    if current is None or current.currency != plan["price"]["currencyCode"]:
        return False  # nothing to replace, or another currency: applied immediately
    if behavior == "APPLY_ON_NEXT_BILLING_CYCLE":
        return True
    cheaper = Decimal(str(plan["price"]["amount"])) < current.price
    annual = plan.get("interval") == "ANNUAL"
    return behavior == "STANDARD" and current.interval == "ANNUAL" and (not annual or cheaper)


def _bulk_refusal(code: str, field: list[str] | None, message: str) -> dict[str, Any]:
    return {"bulkOperation": None, "userErrors": [{"code": code, "field": field, "message": message}]}


class GraphQLEndpoint:
    """Answers one GraphQL request body for one shop; counts what it throttled."""

    def __init__(self, contract: Contract | None = None) -> None:
        self.contract = contract or Contract()
        self.throttled = 0
        self.executed = 0
        self._lock = threading.Lock()

    def answer(self, state: ShopState, resolvers: Resolvers, body: dict[str, Any]) -> dict[str, Any]:
        query = body.get("query")
        variables = body.get("variables") or {}
        operation_name = body.get("operationName")
        if not isinstance(query, str) or not isinstance(variables, dict):
            return {"errors": [{"message": "Parameter Missing or Invalid"}]}
        try:
            document, problems = checked(query)
        except GraphQLError as error:
            return {"errors": [error.formatted]}
        schema = admin_schema()
        operation = get_operation_ast(document, operation_name)
        label = operation_label(operation, operation_name)
        if problems and not self.contract.check(label, "validation", problems):
            return {"errors": [problem.formatted for problem in problems]}
        if operation is None:
            return {"errors": [{"message": "No operation named " + str(operation_name)}]}
        # Shopify checks the variables before it runs anything or charges for it.
        coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
        if isinstance(coerced, list):
            if not self.contract.check(label, "variables", coerced):
                return {"errors": [error.formatted for error in coerced]}
            variables = fit_variables(schema, operation, variables)
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        cost = QueryCost(operation, fragments, variables)
        requested = cost.requested()
        if requested > MAX_QUERY_COST:
            return self._too_costly(state, requested)
        if not state.bucket.take(requested):
            with self._lock:
                self.throttled += 1
            return {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": self._cost(state, requested, None)},
            }
        resolvers.raw_variables = body.get("variables") or {}
        with self._lock:  # one operation at a time: resolvers change shared records
            result = execute_sync(
                schema,
                document,
                root_value=resolvers.root(),
                variable_values=variables,
                operation_name=operation_name,
            )
            self.executed += 1
        actual = requested if operation.operation.value == "mutation" else cost.actual(result.data)
        state.bucket.refund(requested - actual)
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        answer["extensions"] = {"cost": self._cost(state, requested, actual)}
        return answer

    @property
    def lock(self) -> threading.Lock:
        """Held while an operation runs: hold it to change records an operation may read."""
        return self._lock

    def execute_bulk(self, resolvers: Resolvers, document: DocumentNode) -> ExecutionResult:
        """A bulk query's execution, under the same lock as requests; no cost, no bucket."""
        with self._lock:
            return execute_sync(admin_schema(), document, root_value=resolvers.root())

    def _too_costly(self, state: ShopState, requested: int) -> dict[str, Any]:
        message = (
            f"Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST})."
        )
        return {
            "errors": [
                {
                    "message": message,
                    "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MAX_QUERY_COST},
                }
            ],
            "extensions": {"cost": self._cost(state, requested, None)},
        }

    @staticmethod
    def _cost(state: ShopState, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": state.bucket.status(),
        }
