"""Shopify Admin API client: token exchange and the GraphQL Admin API, built on requests.

Docs followed (shopify.dev):
- token exchange: /docs/apps/build/authentication-authorization/access-tokens/token-exchange
- rate limits: /docs/apps/build/apis/graphql-admin/rate-limits (leaky bucket of query cost points;
  every answer reports ``extensions.cost``; a query runs only when the bucket holds its requested cost)
- /docs/api/admin-graphql/2025-10: ``products`` connection, ``product``, ``productsCount``,
  ``orderCreate``, ``appSubscriptionCreate``, ``bulkOperationRunQuery``, ``currentBulkOperation``,
  ``node`` (argument and field names as documented there)
- bulk queries: /docs/api/usage/bulk-operations/queries (before API 2026-01 one query operation per
  shop at a time; poll the operation; the result is a JSONL file at a signed URL in which each node
  of a nested connection is a line of its own carrying ``__parentId``; ``groupObjects`` puts a
  parent's child lines right after it)

Tokens and personal data are never logged; errors carry Shopify's messages, not request bodies.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

logger = logging.getLogger(__name__)

API_VERSION = "2025-10"
# OAuth type names from the token exchange doc, not secrets.
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
# A shop is named by its myshopify.com domain; anything else never reaches the URL template.
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
MUTATION_COST = 10  # the documented cost of a mutation


class ShopifyError(Exception):
    """Base class of every error this client raises."""


class ShopifyAuthError(ShopifyError):
    """Shopify refused the credentials: a bad session token on exchange, or an invalid access token."""


class ShopifyGraphQLError(ShopifyError):
    """The answer carried top-level ``errors`` (bad query, access denied, cost too high, ...)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self.codes = tuple(str((e.get("extensions") or {}).get("code", "")) for e in errors)
        super().__init__("; ".join(str(e.get("message", "")) for e in errors) or "GraphQL error")


@dataclass(frozen=True, slots=True)
class UserError:
    message: str
    field: tuple[str, ...] = ()
    code: str | None = None


class ShopifyUserError(ShopifyError):
    """A mutation answered with non-empty ``userErrors``: Shopify rejected the input, nothing changed."""

    def __init__(self, mutation: str, user_errors: Sequence[UserError]) -> None:
        self.mutation = mutation
        self.user_errors = tuple(user_errors)
        super().__init__(f"{mutation}: " + "; ".join(e.message for e in self.user_errors))


class ShopifyThrottledError(ShopifyError):
    """Still throttled after the allowed retries."""


class ShopifyUnavailableError(ShopifyError):
    """A read failed with 429/5xx/connection errors on every allowed attempt."""


class ShopifyOutcomeUnknownError(ShopifyError):
    """A mutation was sent but its answer was lost (timeout, 5xx): it may or may not have been applied.

    The caller must not blindly repeat it; it reconciles first (see ``create_order``).
    """


@dataclass(frozen=True, slots=True)
class OfflineToken:
    access_token: str = field(repr=False)
    scope: tuple[str, ...] = ()
    expires_in: int | None = None  # set for expiring offline tokens only
    refresh_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ShopifyImage:
    id: str
    url: str
    alt_text: str | None


@dataclass(frozen=True, slots=True)
class ShopifyVariant:
    id: str
    sku: str | None
    price: Decimal
    inventory_quantity: int | None
    inventory_item_id: str | None


@dataclass(frozen=True, slots=True)
class ShopifyProduct:
    id: str
    title: str
    handle: str
    description: str
    description_html: str
    status: str  # ACTIVE | ARCHIVED | DRAFT
    updated_at: datetime
    variants: tuple[ShopifyVariant, ...]
    images: tuple[ShopifyImage, ...]


@dataclass(frozen=True, slots=True)
class BulkOperation:
    id: str  # gid://shopify/BulkOperation/<n>
    status: str  # CREATED | RUNNING | COMPLETED | FAILED | CANCELING | CANCELED | EXPIRED
    error_code: str | None = None
    url: str | None = None  # the JSONL result once COMPLETED; None when the query found nothing
    query: str = ""  # the bulk query, whitespace collapsed

    @property
    def running(self) -> bool:
        return self.status in ("CREATED", "RUNNING", "CANCELING")


@dataclass(frozen=True, slots=True)
class OrderLine:
    variant_id: str  # numeric id or gid
    quantity: int
    price: Decimal  # unit price in the order's currency


@dataclass(frozen=True, slots=True)
class AppSubscription:
    id: str
    status: str
    confirmation_url: str


def numeric_id(gid: str) -> str:
    """'gid://shopify/Product/123' -> '123' (a query string, as on InventoryLevel gids, is dropped)."""
    return gid.rsplit("/", 1)[-1].split("?", 1)[0]


def to_gid(kind: str, value: str | int) -> str:
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def check_shop(shop: str) -> str:
    if not SHOP_DOMAIN.match(shop):
        raise ValueError("not a myshopify.com shop domain")
    return shop


class CostBudget:
    """The client's view of one shop's leaky bucket, from the last ``throttleStatus`` seen.

    Before a query, ``wait_for`` sleeps until the bucket (restored at ``restoreRate`` per second since
    the last answer) holds the query's expected cost, so Shopify never has to throttle us.
    """

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._maximum: float | None = None
        self._available = 0.0
        self._restore_rate = 0.0
        self._seen_at = 0.0
        self._requested: dict[str, float] = {}  # operation -> last requestedQueryCost

    def expected_cost(self, operation: str, estimate: float) -> float:
        cost = self._requested.get(operation, estimate)
        return min(cost, self._maximum) if self._maximum else cost

    def wait_for(self, cost: float) -> float:
        """Sleep until ``cost`` points are available; return the seconds slept."""
        with self._lock:
            if self._maximum is None or self._restore_rate <= 0:
                return 0.0
            elapsed = max(0.0, self._clock() - self._seen_at)
            available = min(self._maximum, self._available + elapsed * self._restore_rate)
            # One point of margin: the server's clock and ours do not tick together.
            missing = cost + 1 - available
            delay = missing / self._restore_rate if missing > 0 else 0.0
        if delay > 0:
            logger.info("shopify cost budget: waiting %.2fs for %.0f points", delay, cost)
            self._sleep(delay)
        return delay

    def update(self, operation: str, cost: dict[str, Any] | None) -> None:
        if not cost:
            return
        status = cost.get("throttleStatus") or {}
        with self._lock:
            if cost.get("requestedQueryCost") is not None:
                self._requested[operation] = float(cost["requestedQueryCost"])
            if status.get("maximumAvailable") is not None:
                self._maximum = float(status["maximumAvailable"])
                self._available = float(status.get("currentlyAvailable", 0.0))
                self._restore_rate = float(status.get("restoreRate", 0.0))
                self._seen_at = self._clock()


class ShopifyAdminClient:
    """The app's client: token exchange, and per-shop GraphQL clients sharing one HTTP session."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        admin_base_url: str,
        api_version: str = API_VERSION,
        timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if "{shop}" not in admin_base_url:
            raise ValueError("admin_base_url must contain {shop}")
        self.api_key = api_key
        self._api_secret = api_secret
        self.admin_base_url = admin_base_url.rstrip("/")
        self.api_version = api_version
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep
        self.clock = clock
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "tiktok-shop-connector"})
        self._budgets: dict[str, CostBudget] = {}
        self._budgets_lock = threading.Lock()

    def shop_url(self, shop: str) -> str:
        return self.admin_base_url.format(shop=check_shop(shop))

    def exchange_token(self, shop: str, session_token: str, *, expiring: bool = False) -> OfflineToken:
        """Trade an App Bridge session token for the shop's offline access token."""
        body = {
            "client_id": self.api_key,
            "client_secret": self._api_secret,
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE,
            "requested_token_type": OFFLINE_TOKEN_TYPE,
        }
        if expiring:
            body["expiring"] = "1"
        url = f"{self.shop_url(shop)}/admin/oauth/access_token"
        try:
            response = self.session.post(url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(f"token exchange failed: {type(exc).__name__}") from exc
        if response.status_code in (400, 401, 403):
            raise ShopifyAuthError(f"token exchange rejected (HTTP {response.status_code})")
        if response.status_code != 200:
            raise ShopifyUnavailableError(f"token exchange failed (HTTP {response.status_code})")
        payload = response.json()
        scope = payload.get("scope") or ""
        return OfflineToken(
            access_token=payload["access_token"],
            scope=tuple(s for s in scope.split(",") if s),
            expires_in=payload.get("expires_in"),
            refresh_token=payload.get("refresh_token"),
        )

    def for_shop(self, shop: str, access_token: str) -> ShopifyShopClient:
        with self._budgets_lock:
            budget = self._budgets.setdefault(check_shop(shop), CostBudget(self.clock, self.sleep))
        return ShopifyShopClient(self, shop, access_token, budget)

    def close(self) -> None:
        self.session.close()


def _request_never_sent(exc: requests.RequestException) -> bool:
    """True when the connection failed before any byte of the request left (safe to repeat)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc.args)


class _Transient(Exception):
    """One attempt failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


# The fields an import reads, shared by the paged queries and the bulk query.
PRODUCT_SCALARS = "id title handle description descriptionHtml status updatedAt"
VARIANT_FIELDS = "id sku price inventoryQuantity inventoryItem { id }"
IMAGE_FIELDS = "id url altText"

PRODUCT_FIELDS = f"""
      {PRODUCT_SCALARS}
      variants(first: $variantsFirst) {{
        nodes {{ {VARIANT_FIELDS} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
      images(first: $imagesFirst) {{ nodes {{ {IMAGE_FIELDS} }} }}
"""

PRODUCTS_QUERY = f"""
query ConnectorProducts($first: Int!, $after: String, $variantsFirst: Int!, $imagesFirst: Int!) {{
  products(first: $first, after: $after, sortKey: ID) {{
    nodes {{{PRODUCT_FIELDS}    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

PRODUCT_VARIANTS_QUERY = f"""
query ConnectorProductVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{
      nodes {{ {VARIANT_FIELDS} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

# The catalog in one bulk operation: the fields of PRODUCT_FIELDS, every variant and image (bulk
# queries take no page sizes). Grouped, a product's lines come together, so the file can be read
# in byte ranges, one job per range, with no more than a range in memory.
BULK_PRODUCTS_QUERY = f"""
{{
  products(sortKey: ID) {{
    edges {{
      node {{
        {PRODUCT_SCALARS}
        variants {{ edges {{ node {{ {VARIANT_FIELDS} }} }} }}
        images {{ edges {{ node {{ {IMAGE_FIELDS} }} }} }}
      }}
    }}
  }}
}}
"""

BULK_RUN_QUERY = """
mutation ConnectorBulkRunQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { code field message }
  }
}
"""

BULK_OPERATION_FIELDS = "id status errorCode url query"

BULK_OPERATION_QUERY = f"""
query ConnectorBulkOperation($id: ID!) {{
  node(id: $id) {{ ... on BulkOperation {{ {BULK_OPERATION_FIELDS} }} }}
}}
"""

CURRENT_BULK_OPERATION_QUERY = f"""
query ConnectorCurrentBulkOperation {{
  currentBulkOperation(type: QUERY) {{ {BULK_OPERATION_FIELDS} }}
}}
"""

PRODUCTS_COUNT_QUERY = """
query ConnectorProductsCount($limit: Int) {
  productsCount(limit: $limit) { count }
}
"""

ORDER_CREATE = """
mutation ConnectorOrderCreate($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name }
    userErrors { field message code }
  }
}
"""

APP_SUBSCRIPTION_CREATE = """
mutation ConnectorAppSubscriptionCreate(
  $name: String!, $lineItems: [AppSubscriptionLineItemInput!]!, $returnUrl: URL!, $test: Boolean
) {
  appSubscriptionCreate(name: $name, lineItems: $lineItems, returnUrl: $returnUrl, test: $test) {
    appSubscription { id status }
    confirmationUrl
    userErrors { field message }
  }
}
"""


def connection_cost(first: int, item_cost: int) -> int:
    """The documented estimate of a connection: 2 + first x the cost of one item."""
    return 2 + first * item_cost


class ShopifyShopClient:
    """GraphQL Admin API calls for one shop, budgeted against that shop's cost bucket."""

    def __init__(self, parent: ShopifyAdminClient, shop: str, access_token: str, budget: CostBudget) -> None:
        self.shop = shop
        self._parent = parent
        self._access_token = access_token
        self._budget = budget
        self.graphql_url = f"{parent.shop_url(shop)}/admin/api/{parent.api_version}/graphql.json"

    def __repr__(self) -> str:
        return f"ShopifyShopClient(shop={self.shop!r})"

    # -- transport -------------------------------------------------------------------------------

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        *,
        operation: str,
        estimated_cost: float,
        mutation: bool = False,
    ) -> dict[str, Any]:
        """Run one operation and return its ``data``; wait for budget, retry what is safe to retry."""
        parent = self._parent
        last_reason = ""
        for attempt in range(parent.max_attempts):
            self._budget.wait_for(self._budget.expected_cost(operation, estimated_cost))
            try:
                return self._attempt(query, variables, operation, mutation)
            except _Transient as transient:
                last_reason = transient.reason
                if attempt + 1 >= parent.max_attempts:
                    break
                delay = self._backoff(attempt) if transient.retry_after is None else transient.retry_after
                if delay > 0:
                    parent.sleep(delay)
        if last_reason == "THROTTLED":
            raise ShopifyThrottledError(f"{operation}: still throttled after {parent.max_attempts} tries")
        raise ShopifyUnavailableError(f"{operation}: {last_reason} after {parent.max_attempts} tries")

    def _backoff(self, attempt: int) -> float:
        base = self._parent.backoff_seconds * (2**attempt)
        return min(30.0, base) * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security

    def _attempt(
        self, query: str, variables: dict[str, Any] | None, operation: str, mutation: bool
    ) -> dict[str, Any]:
        parent = self._parent
        headers = {"X-Shopify-Access-Token": self._access_token, "Content-Type": "application/json"}
        body = {"query": query, "variables": variables or {}, "operationName": operation}
        try:
            response = parent.session.post(
                self.graphql_url, json=body, headers=headers, timeout=parent.timeout
            )
        except requests.RequestException as exc:
            if mutation and not _request_never_sent(exc):
                raise ShopifyOutcomeUnknownError(f"{operation}: {type(exc).__name__}") from exc
            raise _Transient(type(exc).__name__) from exc
        status = response.status_code
        if status in (401, 403):
            raise ShopifyAuthError(f"{operation}: HTTP {status} from the Admin API")
        if status == 429:  # refused before execution, so safe for mutations too
            raise _Transient("HTTP 429", _retry_after(response))
        if status >= 500:
            if mutation:
                raise ShopifyOutcomeUnknownError(f"{operation}: HTTP {status}")
            raise _Transient(f"HTTP {status}")
        if status != 200:
            raise ShopifyError(f"{operation}: unexpected HTTP {status}")
        payload = response.json()
        self._budget.update(operation, (payload.get("extensions") or {}).get("cost"))
        errors = payload.get("errors")
        if errors:
            error = ShopifyGraphQLError(errors)
            if error.codes and all(code == "THROTTLED" for code in error.codes):
                # Throttled queries never ran; the budget now knows the bucket, so the retry waits.
                raise _Transient("THROTTLED", retry_after=0.0)
            raise error
        data: dict[str, Any] = payload.get("data") or {}
        return data

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
        variables: dict[str, Any] = {
            "first": page_size,
            "after": after,
            "variantsFirst": variants_per_page,
            "imagesFirst": images_per_product,
        }
        per_product = 1 + (connection_cost(variants_per_page, 2) + 1) + connection_cost(images_per_product, 1)
        estimate = connection_cost(page_size, per_product) + 1
        data = self.execute(PRODUCTS_QUERY, variables, operation="ConnectorProducts", estimated_cost=estimate)
        connection = data["products"]
        products = [self._product(node, variants_per_page) for node in connection["nodes"]]
        page_info = connection["pageInfo"]
        return products, (page_info["endCursor"] if page_info["hasNextPage"] else None)

    def _product(self, node: dict[str, Any], variants_per_page: int) -> ShopifyProduct:
        variants = list(node["variants"]["nodes"])
        page_info = node["variants"]["pageInfo"]
        while page_info["hasNextPage"]:  # products with more variants than one page holds
            more = self._variants_page(node["id"], page_info["endCursor"], max(variants_per_page, 100))
            variants.extend(more["nodes"])
            page_info = more["pageInfo"]
        return _product(node, variants, node["images"]["nodes"])

    def _variants_page(self, product_gid: str, after: str, first: int) -> dict[str, Any]:
        data = self.execute(
            PRODUCT_VARIANTS_QUERY,
            {"id": product_gid, "first": first, "after": after},
            operation="ConnectorProductVariants",
            estimated_cost=1 + connection_cost(first, 2) + 1,
        )
        if data.get("product") is None:
            raise ShopifyError("product disappeared while its variants were read")
        variants: dict[str, Any] = data["product"]["variants"]
        return variants

    def count_products(self, up_to: int) -> int:
        """How many products the shop has, counted up to ``up_to`` (Shopify stops counting there)."""
        data = self.execute(
            PRODUCTS_COUNT_QUERY, {"limit": up_to}, operation="ConnectorProductsCount", estimated_cost=1
        )
        return int((data.get("productsCount") or {}).get("count") or 0)

    # -- bulk operations -------------------------------------------------------------------------

    def start_bulk_products(self) -> BulkOperation:
        """Start the catalog's bulk query. Should one of ours already run (this call retried after
        a lost answer), that one is adopted: Shopify runs one bulk query per shop at a time."""
        data = self.execute(
            BULK_RUN_QUERY,
            {"query": BULK_PRODUCTS_QUERY},
            operation="ConnectorBulkRunQuery",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["bulkOperationRunQuery"]
        errors = result.get("userErrors") or []
        if any(error.get("code") == "OPERATION_IN_PROGRESS" for error in errors):
            current = self.current_bulk_operation()
            if current and current.running and current.query == _same_query(BULK_PRODUCTS_QUERY):
                return current
        _raise_user_errors("bulkOperationRunQuery", result)
        created = result["bulkOperation"]
        return BulkOperation(id=created["id"], status=created["status"])

    def bulk_operation(self, operation_id: str) -> BulkOperation | None:
        data = self.execute(
            BULK_OPERATION_QUERY,
            {"id": to_gid("BulkOperation", operation_id)},
            operation="ConnectorBulkOperation",
            estimated_cost=1,
        )
        return _bulk_operation(data.get("node"))

    def current_bulk_operation(self) -> BulkOperation | None:
        data = self.execute(
            CURRENT_BULK_OPERATION_QUERY, None, operation="ConnectorCurrentBulkOperation", estimated_cost=1
        )
        return _bulk_operation(data.get("currentBulkOperation"))

    def bulk_products(
        self, url: str, offset: int, count: int, *, images_per_product: int = 10
    ) -> tuple[list[ShopifyProduct], int | None]:
        """Up to ``count`` products of a grouped bulk result, read from byte ``offset`` on (the
        start of a product's line), and the offset of the product after them (None at the end of
        the file). The request asks for the file from ``offset`` and stops reading once the next
        product's line begins. The URL is signed: no access token goes with it. Products keep their
        first ``images_per_product`` images, as paged reads do."""
        parent = self._parent
        # identity: byte offsets are offsets in the file, not in a compressed stream of it
        headers = {"Range": f"bytes={offset}-", "Accept": "*/*", "Accept-Encoding": "identity"}
        try:
            response = parent.session.get(url, headers=headers, stream=True, timeout=parent.timeout)
        except requests.RequestException as exc:
            raise ShopifyUnavailableError(f"bulk result: {type(exc).__name__}") from exc
        with response:
            status = response.status_code
            ranged = status == 206 and response.headers.get("Content-Range", "").startswith(
                f"bytes {offset}-"
            )
            if response.headers.get("Content-Encoding", "identity") != "identity":
                raise ShopifyError("bulk result: compressed, so byte offsets do not hold")
            if not ranged and status != 200:  # offsets always point inside the file
                raise ShopifyError(f"bulk result: HTTP {status} for bytes from {offset}")
            skip = 0 if ranged else offset  # a server that ignored the Range sends the whole file
            try:
                return read_bulk_products(
                    response.iter_content(chunk_size=65536), skip, offset, count, images_per_product
                )
            except requests.RequestException as exc:
                raise ShopifyUnavailableError(f"bulk result: {type(exc).__name__}") from exc

    # -- mutations -------------------------------------------------------------------------------

    def create_order(
        self,
        lines: Sequence[OrderLine],
        *,
        currency: str,
        source_identifier: str,
        source_name: str = "tiktok",
        email: str | None = None,
        note: str | None = None,
        tags: Sequence[str] = (),
    ) -> str:
        """Create an order with ``orderCreate`` and return its numeric id.

        ``orderCreate`` takes no idempotency key (the ``@idempotent`` directive covers other
        mutations), so the caller dedupes: it stores the TikTok order id -> Shopify order id and
        never calls this twice for one TikTok order. ``source_identifier`` (the TikTok order id) is
        written on the order, so after a ``ShopifyOutcomeUnknownError`` an operator can find it.
        """
        order: dict[str, Any] = {
            "currency": currency,
            "sourceName": source_name,
            "sourceIdentifier": source_identifier,
            "lineItems": [
                {
                    "variantId": to_gid("ProductVariant", line.variant_id),
                    "quantity": line.quantity,
                    "priceSet": {"shopMoney": {"amount": str(line.price), "currencyCode": currency}},
                }
                for line in lines
            ],
        }
        if email:
            order["email"] = email
        if note:
            order["note"] = note
        if tags:
            order["tags"] = list(tags)
        data = self.execute(
            ORDER_CREATE,
            {"order": order, "options": None},
            operation="ConnectorOrderCreate",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["orderCreate"]
        _raise_user_errors("orderCreate", result)
        return numeric_id(result["order"]["id"])

    def create_app_subscription(
        self,
        name: str,
        price: Decimal,
        currency: str,
        return_url: str,
        test: bool,
        *,
        interval: str = "EVERY_30_DAYS",
    ) -> AppSubscription:
        """A recurring plan charge; the merchant approves it at the returned confirmation URL."""
        line_item = {
            "plan": {
                "appRecurringPricingDetails": {
                    "price": {"amount": str(price), "currencyCode": currency},
                    "interval": interval,
                }
            }
        }
        data = self.execute(
            APP_SUBSCRIPTION_CREATE,
            {"name": name, "lineItems": [line_item], "returnUrl": return_url, "test": test},
            operation="ConnectorAppSubscriptionCreate",
            estimated_cost=MUTATION_COST,
            mutation=True,
        )
        result = data["appSubscriptionCreate"]
        _raise_user_errors("appSubscriptionCreate", result)
        subscription = result["appSubscription"]
        return AppSubscription(
            id=numeric_id(subscription["id"]),
            status=subscription.get("status") or "PENDING",
            confirmation_url=result["confirmationUrl"],
        )


def _same_query(query: str) -> str:
    return " ".join(query.split())


def _bulk_operation(node: dict[str, Any] | None) -> BulkOperation | None:
    if not node or not node.get("id"):
        return None
    return BulkOperation(
        id=node["id"],
        status=node["status"],
        error_code=node.get("errorCode"),
        url=node.get("url"),
        query=_same_query(node.get("query") or ""),
    )


def read_bulk_products(
    chunks: Iterable[bytes], skip: int, offset: int, count: int, images_per_product: int = 10
) -> tuple[list[ShopifyProduct], int | None]:
    """Products from the bytes of a JSONL file from a product's line on (the first ``skip`` bytes
    are passed over), each followed by its own variant and image lines (grouped output), keeping
    their first ``images_per_product`` images; stops at the line of product ``count + 1`` and
    returns its offset in the file."""
    products: list[ShopifyProduct] = []
    node: dict[str, Any] | None = None
    variants: list[dict[str, Any]] = []
    images: list[dict[str, Any]] = []
    position = offset - skip
    for line in _lines(chunks):
        start, position = position, position + len(line) + 1
        if start < offset or not line.strip():
            continue
        record = json.loads(line)
        parent = record.pop("__parentId", None)
        if parent is None:  # the next product
            if node is not None:
                products.append(_product(node, variants, images))
                if len(products) == count:
                    return products, start
            node, variants, images = record, [], []
        elif node is None or parent != node["id"]:
            raise ShopifyError("bulk result is not grouped by product")
        elif "/ProductVariant/" in str(record.get("id") or ""):
            variants.append(record)
        elif len(images) < images_per_product:
            images.append(record)
    if node is not None:
        products.append(_product(node, variants, images))
    return products, None


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, without their ``\\n``. Hand-written because requests'
    ``iter_lines`` yields an extra empty line when a chunk ends on the delimiter, which would
    throw the byte offsets off."""
    pending = b""
    for chunk in chunks:
        *complete, pending = (pending + chunk).split(b"\n")
        yield from complete
    if pending:
        yield pending


def _product(
    node: dict[str, Any], variants: Sequence[dict[str, Any]], images: Sequence[dict[str, Any]]
) -> ShopifyProduct:
    return ShopifyProduct(
        id=numeric_id(node["id"]),
        title=node["title"],
        handle=node.get("handle") or "",
        description=node.get("description") or "",
        description_html=node.get("descriptionHtml") or "",
        status=node["status"],
        updated_at=datetime.fromisoformat(node["updatedAt"].replace("Z", "+00:00")),
        variants=tuple(_variant(v) for v in variants),
        images=tuple(
            ShopifyImage(
                id=numeric_id(i["id"]) if i.get("id") else "", url=i["url"], alt_text=i.get("altText")
            )
            for i in images
        ),
    )


def _variant(node: dict[str, Any]) -> ShopifyVariant:
    item = node.get("inventoryItem") or {}
    return ShopifyVariant(
        id=numeric_id(node["id"]),
        sku=node.get("sku") or None,
        price=Decimal(str(node["price"])),
        inventory_quantity=node.get("inventoryQuantity"),
        inventory_item_id=numeric_id(item["id"]) if item.get("id") else None,
    )


def _raise_user_errors(mutation: str, result: dict[str, Any]) -> None:
    errors = result.get("userErrors") or []
    if errors:
        raise ShopifyUserError(
            mutation,
            [
                UserError(message=e["message"], field=tuple(e.get("field") or ()), code=e.get("code"))
                for e in errors
            ],
        )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
