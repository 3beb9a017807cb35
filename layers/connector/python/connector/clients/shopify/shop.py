"""The GraphQL Admin API calls for one shop (``ShopifyAdminClient.for_shop``): products, bulk
operations, orders and app subscriptions.

Docs followed (shopify.dev): /docs/api/admin-graphql/2025-10 (``products``, ``product``,
``productsCount``, ``orderCreate``, ``orderCancel``, ``order``, ``refundCreate``,
``appSubscriptionCreate``, ``bulkOperationRunQuery``,
``currentBulkOperation``, ``node``) and /docs/api/usage/bulk-operations/queries (before API 2026-01
one query operation per shop at a time; poll the operation; the result is a JSONL file at a signed
URL). Every call is budgeted against the shop's cost bucket (see ``transport``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connector.clients.shopify import parsing
from connector.clients.shopify.bulk import read_bulk_products
from connector.clients.shopify.documents import (
    ACTIVE_SUBSCRIPTIONS_QUERY,
    APP_SUBSCRIPTION_CREATE,
    BULK_OPERATION_QUERY,
    BULK_PRODUCTS_QUERY,
    BULK_RUN_QUERY,
    CURRENT_BULK_OPERATION_QUERY,
    INVENTORY_ITEM_LEVELS_QUERY,
    INVENTORY_LEVELS_QUERY,
    LOCATIONS_QUERY,
    ORDER_CANCEL,
    ORDER_CANCELLED_QUERY,
    ORDER_CREATE,
    ORDER_LINE_COST,
    ORDER_LINE_ITEMS_QUERY,
    PRODUCT_OBJECT_COST,
    PRODUCT_VARIANTS_QUERY,
    PRODUCTS_COUNT_QUERY,
    PRODUCTS_QUERY,
    REFUND_CREATE,
    SHOP_FACTS_QUERY,
    VARIANT_COST,
)
from connector.clients.shopify.errors import ShopifyError, ShopifyOrderRejectedError, ShopifyUserError
from connector.clients.shopify.ids import numeric_id, to_gid
from connector.clients.shopify.models import (
    ActiveSubscription,
    AppSubscription,
    BulkOperation,
    ShopFacts,
    ShopifyLocation,
    ShopifyOrderLineItem,
    ShopifyProduct,
)
from connector.clients.shopify.transport import MUTATION_COST, ShopGraphQL, connection_cost

if TYPE_CHECKING:
    from connector.domain.shopify_order import ShopifyOrderDraft

# Shopify refuses a query whose requested cost is over 1,000 points (rate-limits doc, "Single query limit").
MAX_QUERY_COST = 1000
LOCATIONS_PAGE = 100
# Inventory levels asked per item; a 10-level item costs 1 + 2 + 10 x 3 + 1 = 34 points, so 25 items
# a call stay under the single-query limit (more locations: follow-up pages for that item).
LEVELS_PER_ITEM = 10
LEVEL_COST = 3  # the level, its location, its quantities
ITEMS_PER_LEVELS_CALL = 25
ORDER_LINES_PAGE = 100  # 1 + (2 + 100 x 2) + 1 points
STAFF_NOTE_MAX = 255  # orderCancel's staffNote: "Maximum length of 255 characters"
# A refusal that says the order is cancelled already ("... already been cancelled/canceled").
ALREADY_CANCELLED = re.compile(r"already\b.*\bcancel", re.IGNORECASE)


def variants_in_page(page_size: int, variants_per_page: int, images_per_product: int) -> int:
    """How many variants each product of a page asks for: ``variants_per_page`` or fewer, so the
    page's requested cost stays under Shopify's single-query limit; the rest of a product's variants
    come in follow-up pages (``ShopifyShopClient._product``)."""
    per_product_budget = (MAX_QUERY_COST - connection_cost(0, 0) - 1) // max(page_size, 1)
    fixed = PRODUCT_OBJECT_COST + connection_cost(0, 0) + 1 + connection_cost(images_per_product, 1)
    fits = (per_product_budget - fixed) // VARIANT_COST
    if fits < 1:
        raise ValueError(
            f"a page of {page_size} products with {images_per_product} images is over the cost limit"
        )
    return min(variants_per_page, fits)


def products_page_cost(page_size: int, variants_first: int, images_per_product: int) -> int:
    per_product = (
        PRODUCT_OBJECT_COST
        + connection_cost(variants_first, VARIANT_COST)
        + 1
        + connection_cost(images_per_product, 1)
    )
    return connection_cost(page_size, per_product) + 1


class ShopifyShopClient:
    """GraphQL Admin API calls for one shop, budgeted against that shop's cost bucket."""

    def __init__(self, shop: str, graphql: ShopGraphQL) -> None:
        self.shop = shop
        self._graphql = graphql

    def __repr__(self) -> str:
        return f"ShopifyShopClient(shop={self.shop!r})"

    # -- products --------------------------------------------------------------------------------

    def iter_products(
        self, page_size: int = 10, *, variants_per_page: int = 20, images_per_product: int = 10
    ) -> Iterator[ShopifyProduct]:
        """Every product of the shop, oldest id first, one page per query (cursor pagination)."""
        cursor: str | None = None
        while True:
            products, cursor = self.products_page(
                cursor, page_size, variants_per_page=variants_per_page, images_per_product=images_per_product
            )
            yield from products
            if cursor is None:
                return

    def products_page(
        self,
        after: str | None,
        page_size: int = 10,
        *,
        variants_per_page: int = 20,
        images_per_product: int = 10,
    ) -> tuple[list[ShopifyProduct], str | None]:
        """One page of products after ``after`` (None: the first), and the cursor of the next page
        (None on the last). Jobs keep the cursor, so an import resumes where it stopped."""
        variants_first = variants_in_page(page_size, variants_per_page, images_per_product)
        variables: dict[str, Any] = {
            "first": page_size,
            "after": after,
            "variantsFirst": variants_first,
            "imagesFirst": images_per_product,
        }
        estimate = products_page_cost(page_size, variants_first, images_per_product)
        data = self._graphql.execute(
            PRODUCTS_QUERY, variables, operation="ConnectorProducts", estimated_cost=estimate
        )
        connection = data["products"]
        products = [self._product(node, variants_per_page) for node in connection["nodes"]]
        page_info = connection["pageInfo"]
        return products, (page_info["endCursor"] if page_info["hasNextPage"] else None)

    def _product(self, node: dict[str, Any], variants_per_page: int) -> ShopifyProduct:
        variants = list(node["variants"]["nodes"])
        page_info = node["variants"]["pageInfo"]
        while page_info["hasNextPage"]:  # products with more variants than one page holds
            first = min(max(variants_per_page, 100), (MAX_QUERY_COST - 4) // VARIANT_COST)
            more = self._variants_page(node["id"], page_info["endCursor"], first)
            variants.extend(more["nodes"])
            page_info = more["pageInfo"]
        return parsing.product(node, variants, node["images"]["nodes"])

    def _variants_page(self, product_gid: str, after: str, first: int) -> dict[str, Any]:
        data = self._graphql.execute(
            PRODUCT_VARIANTS_QUERY,
            {"id": product_gid, "first": first, "after": after},
            operation="ConnectorProductVariants",
            estimated_cost=1 + connection_cost(first, VARIANT_COST) + 1,
        )
        if data.get("product") is None:
            raise ShopifyError("product disappeared while its variants were read")
        variants: dict[str, Any] = data["product"]["variants"]
        return variants

    def count_products(self, up_to: int) -> int:
        """How many products the shop has, counted up to ``up_to`` (Shopify stops counting there)."""
        data = self._graphql.execute(
            PRODUCTS_COUNT_QUERY, {"limit": up_to}, operation="ConnectorProductsCount", estimated_cost=1
        )
        return int((data.get("productsCount") or {}).get("count") or 0)

    # -- locations and stock ---------------------------------------------------------------------

    def locations(self) -> list[ShopifyLocation]:
        """Every location of the shop, inactive ones included (``active`` says which)."""
        found: list[ShopifyLocation] = []
        after: str | None = None
        while True:
            data = self._graphql.execute(
                LOCATIONS_QUERY,
                {"first": LOCATIONS_PAGE, "after": after},
                operation="ConnectorLocations",
                estimated_cost=connection_cost(LOCATIONS_PAGE, 1) + 1,
            )
            connection = data["locations"]
            found.extend(parsing.location(node) for node in connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                return found
            after = connection["pageInfo"]["endCursor"]

    def available_by_location(self, inventory_item_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """inventory item id -> location id -> ``available``, for the items that exist (an unknown
        id is left out), 25 items a call (``nodes(ids:)``); ids numeric or gids."""
        result: dict[str, dict[str, int]] = {}
        ids = list(dict.fromkeys(to_gid("InventoryItem", item) for item in inventory_item_ids))
        for start in range(0, len(ids), ITEMS_PER_LEVELS_CALL):
            chunk = ids[start : start + ITEMS_PER_LEVELS_CALL]
            data = self._graphql.execute(
                INVENTORY_LEVELS_QUERY,
                {"ids": chunk, "levelsFirst": LEVELS_PER_ITEM},
                operation="ConnectorInventoryLevels",
                estimated_cost=len(chunk) * (1 + connection_cost(LEVELS_PER_ITEM, LEVEL_COST) + 1),
            )
            for node in data["nodes"]:
                if not node or not node.get("id"):
                    continue  # not an inventory item of this shop
                levels = node["inventoryLevels"]
                nodes = list(levels["nodes"])
                if levels["pageInfo"]["hasNextPage"]:
                    nodes.extend(self._more_levels(node["id"], levels["pageInfo"]["endCursor"]))
                result[numeric_id(node["id"])] = parsing.available_by_location(nodes)
        return result

    def _more_levels(self, item_gid: str, after: str) -> list[dict[str, Any]]:
        nodes: list[dict[str, Any]] = []
        first = (MAX_QUERY_COST - 5) // LEVEL_COST // 2  # 165: well under the limit
        while True:
            data = self._graphql.execute(
                INVENTORY_ITEM_LEVELS_QUERY,
                {"id": item_gid, "first": first, "after": after},
                operation="ConnectorInventoryItemLevels",
                estimated_cost=1 + connection_cost(first, LEVEL_COST) + 1,
            )
            if data.get("inventoryItem") is None:
                raise ShopifyError("inventory item disappeared while its levels were read")
            levels = data["inventoryItem"]["inventoryLevels"]
            nodes.extend(levels["nodes"])
            if not levels["pageInfo"]["hasNextPage"]:
                return nodes
            after = levels["pageInfo"]["endCursor"]

    # -- bulk operations -------------------------------------------------------------------------

    def start_bulk_products(self) -> BulkOperation:
        """Start the catalog's bulk query. Should one of ours already run (this call retried after
        a lost answer), that one is adopted: Shopify runs one bulk query per shop at a time. It is
        adopted too if it completed between the refusal and the look at it; if it ended otherwise
        (failed, cancelled), the start is tried once more."""
        for _ in range(2):
            data = self._graphql.execute(
                BULK_RUN_QUERY,
                {"query": BULK_PRODUCTS_QUERY},
                operation="ConnectorBulkRunQuery",
                estimated_cost=MUTATION_COST,
                mutation=True,
            )
            result = data["bulkOperationRunQuery"]
            errors = result.get("userErrors") or []
            if not any(error.get("code") == "OPERATION_IN_PROGRESS" for error in errors):
                break
            current = self.current_bulk_operation()
            if current is None or current.query != parsing.same_query(BULK_PRODUCTS_QUERY):
                break  # another query of this app's runs: say so
            if current.running or current.status == "COMPLETED":
                return current
        parsing.raise_user_errors("bulkOperationRunQuery", result)
        created = result["bulkOperation"]
        return BulkOperation(id=created["id"], status=created["status"])

    def bulk_operation(self, operation_id: str) -> BulkOperation | None:
        data = self._graphql.execute(
            BULK_OPERATION_QUERY,
            {"id": to_gid("BulkOperation", operation_id)},
            operation="ConnectorBulkOperation",
            estimated_cost=1,
        )
        return parsing.bulk_operation(data.get("node"))

    def current_bulk_operation(self) -> BulkOperation | None:
        data = self._graphql.execute(
            CURRENT_BULK_OPERATION_QUERY, None, operation="ConnectorCurrentBulkOperation", estimated_cost=1
        )
        return parsing.bulk_operation(data.get("currentBulkOperation"))

    def bulk_products(
        self, url: str, offset: int, count: int, *, images_per_product: int = 10
    ) -> tuple[list[ShopifyProduct], int | None]:
        """Up to ``count`` products of a grouped bulk result, read from byte ``offset`` on (the
        start of a product's line), and the offset of the product after them (None at the end of
        the file). The request asks for the file from ``offset`` and stops reading once the next
        product's line begins. The URL is signed: no access token goes with it. Products keep their
        first ``images_per_product`` images, as paged reads do."""
        with self._graphql.http.bulk_result(url, offset) as (chunks, skip):
            return read_bulk_products(chunks, skip, offset, count, images_per_product)

    # -- mutations -------------------------------------------------------------------------------

    # -- orders from TikTok ----------------------------------------------------------------------

    def create_order_from(self, draft: ShopifyOrderDraft) -> str:
        """Create the order a ``domain.shopify_order`` draft describes (``orderCreate(order:,
        options:)``) and return its numeric id.

        ``ShopifyOrderRejectedError`` (Shopify's userErrors, their messages kept): nothing was
        created. ``ShopifyOutcomeUnknownError`` (the answer was lost): it may exist; the draft's
        ``sourceIdentifier`` (the TikTok order id) is on it if so. ``orderCreate`` takes no
        idempotency key, so the caller makes sure one TikTok order is sent once.
        """
        data = self._graphql.execute(
            ORDER_CREATE,
            {"order": draft.order, "options": draft.options},
            operation="ConnectorOrderCreate",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["orderCreate"]
        parsing.raise_user_errors("orderCreate", result, ShopifyOrderRejectedError)
        return numeric_id(result["order"]["id"])

    def cancel_order(
        self,
        order_id: str,
        *,
        reason: str = "OTHER",
        restock: bool = True,
        notify_customer: bool = False,
        staff_note: str | None = "Cancelled on TikTok Shop; TikTok refunds the buyer.",
    ) -> bool:
        """Cancel an order without refunding it (TikTok refunds the buyer): ``orderCancel`` with
        refundMethod { originalPaymentMethodsRefund: false }. True when this call cancelled it, False
        when it was cancelled already (a refusal while ``cancelledAt`` is set is taken as done).
        Shopify cancels in a job, so the order may show as cancelled a moment after this returns."""
        variables: dict[str, Any] = {
            "orderId": to_gid("Order", order_id),
            "reason": reason,
            "restock": restock,
            "notifyCustomer": notify_customer,
            "staffNote": staff_note[:STAFF_NOTE_MAX] if staff_note else None,
            "refundMethod": {"originalPaymentMethodsRefund": False},
        }
        data = self._graphql.execute(
            ORDER_CANCEL,
            variables,
            operation="ConnectorOrderCancel",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["orderCancel"]
        errors = parsing.user_errors(result, "orderCancelUserErrors")
        if not errors:
            return True
        if any(ALREADY_CANCELLED.search(error.message) for error in errors) or self._cancelled(order_id):
            return False
        raise ShopifyUserError("orderCancel", errors)

    def _cancelled(self, order_id: str) -> bool:
        data = self._graphql.execute(
            ORDER_CANCELLED_QUERY,
            {"id": to_gid("Order", order_id)},
            operation="ConnectorOrderCancelled",
            estimated_cost=1,
        )
        return bool((data.get("order") or {}).get("cancelledAt"))

    def order_line_items(self, order_id: str) -> list[ShopifyOrderLineItem]:
        """Every line item of an order, with its variant and quantities (for returns and partial
        fulfilment); ShopifyError when the order is not there."""
        found: list[ShopifyOrderLineItem] = []
        after: str | None = None
        while True:
            data = self._graphql.execute(
                ORDER_LINE_ITEMS_QUERY,
                {"id": to_gid("Order", order_id), "first": ORDER_LINES_PAGE, "after": after},
                operation="ConnectorOrderLineItems",
                estimated_cost=1 + connection_cost(ORDER_LINES_PAGE, ORDER_LINE_COST) + 1,
            )
            if data.get("order") is None:
                raise ShopifyError(f"order {order_id} not found")
            connection = data["order"]["lineItems"]
            found.extend(parsing.order_line_item(node) for node in connection["nodes"])
            if not connection["pageInfo"]["hasNextPage"]:
                return found
            after = connection["pageInfo"]["endCursor"]

    def refund_return(
        self,
        order_id: str,
        lines: Sequence[tuple[str, int]],
        location_id: str,
        *,
        restock_type: str = "RETURN",
        note: str | None = "Returned on TikTok Shop; TikTok refunds the buyer.",
    ) -> str:
        """Record returned units (line item id, quantity) back in stock at ``location_id`` with
        ``refundCreate``, moving no money (no transactions: TikTok refunds the buyer) and telling
        no one; returns the refund's numeric id. ``restock_type`` RETURN is for fulfilled units,
        CANCEL for unfulfilled ones (enums/RefundLineItemRestockType)."""
        refund_input: dict[str, Any] = {
            "orderId": to_gid("Order", order_id),
            "notify": False,
            "refundLineItems": [
                {
                    "lineItemId": to_gid("LineItem", line_item_id),
                    "quantity": quantity,
                    "restockType": restock_type,
                    "locationId": to_gid("Location", location_id),
                }
                for line_item_id, quantity in lines
            ],
            "transactions": [],
        }
        if note:
            refund_input["note"] = note
        data = self._graphql.execute(
            REFUND_CREATE,
            {"input": refund_input},
            operation="ConnectorRefundCreate",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["refundCreate"]
        parsing.raise_user_errors("refundCreate", result)
        return numeric_id(result["refund"]["id"])

    def create_app_subscription(
        self,
        name: str,
        price: Decimal,
        currency: str,
        return_url: str,
        test: bool,
        *,
        interval: str = "EVERY_30_DAYS",
        replacement: str = "APPLY_IMMEDIATELY",
    ) -> AppSubscription:
        """A recurring plan charge; the merchant approves it at the returned confirmation URL. Once
        approved it replaces the shop's current subscription at once (``replacement``: Shopify's
        AppSubscriptionReplacementBehavior, which cancels the current one as this one activates)."""
        line_item = {
            "plan": {
                "appRecurringPricingDetails": {
                    "price": {"amount": str(price), "currencyCode": currency},
                    "interval": interval,
                }
            }
        }
        variables = {
            "name": name,
            "lineItems": [line_item],
            "returnUrl": return_url,
            "test": test,
            "replacementBehavior": replacement,
        }
        data = self._graphql.execute(
            APP_SUBSCRIPTION_CREATE,
            variables,
            operation="ConnectorAppSubscriptionCreate",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["appSubscriptionCreate"]
        parsing.raise_user_errors("appSubscriptionCreate", result)
        return parsing.app_subscription(result["appSubscription"], result["confirmationUrl"])

    def shop_facts(self) -> ShopFacts:
        """The shop's time zone and currency (objects/Shop: ianaTimezone, currencyCode)."""
        data = self._graphql.execute(SHOP_FACTS_QUERY, {}, operation="ConnectorShopFacts", estimated_cost=1)
        return ShopFacts(iana_timezone=data["shop"]["ianaTimezone"], currency=data["shop"]["currencyCode"])

    def active_subscriptions(self) -> list[ActiveSubscription]:
        """The subscriptions Shopify bills the shop now (at most one: a shop has one active app
        subscription; shopify.dev/docs/apps/launch/billing/subscription-billing)."""
        data = self._graphql.execute(
            ACTIVE_SUBSCRIPTIONS_QUERY, {}, operation="ConnectorActiveSubscriptions", estimated_cost=2
        )
        nodes = data["currentAppInstallation"]["activeSubscriptions"]
        return [parsing.active_subscription(node) for node in nodes]
