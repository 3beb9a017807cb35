"""The subset of Shopify's GraphQL Admin schema (2025-10 names) the sandbox serves, and its cost rules.

Type, field and argument names follow shopify.dev/docs/api/admin-graphql/2025-10 so that the
client's real query text is parsed and validated here. Cost follows
shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits: scalars and enums 0, objects (and
interfaces such as ``Node``) 1, connections 2 + (first or last) x the cost of one item, mutations 10.
A bulk query (``bulkOperationRunQuery``) costs the mutation's 10 points; its inner query is not charged.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)

MUTATION_COST = 10
MAX_PAGE = 250  # Shopify's cap on first/last
MAX_QUERY_COST = 1000  # Shopify's single-query limit

SDL = """
scalar DateTime
scalar Decimal
scalar HTML
scalar Money
scalar URL
# Shopify serializes UnsignedInt64 as a string ("12"); resolvers hand it strings.
scalar UnsignedInt64

interface Node { id: ID! }

enum ProductStatus { ACTIVE ARCHIVED DRAFT }
enum ProductSortKeys { ID TITLE UPDATED_AT CREATED_AT INVENTORY_TOTAL PRODUCT_TYPE VENDOR }
enum CurrencyCode { USD EUR GBP CAD AUD JPY SGD MYR THB VND PHP IDR MXN }
enum AppSubscriptionStatus { PENDING ACTIVE DECLINED EXPIRED FROZEN CANCELLED ACCEPTED }
enum AppPricingInterval { EVERY_30_DAYS ANNUAL }
enum OrderCreateFinancialStatus {
  PENDING AUTHORIZED PARTIALLY_PAID PAID PARTIALLY_REFUNDED REFUNDED VOIDED EXPIRED
}
enum OrderCreateInputsInventoryBehavior { BYPASS DECREMENT_IGNORING_POLICY DECREMENT_OBEYING_POLICY }
enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationType { QUERY MUTATION }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationUserErrorCode { INVALID OPERATION_IN_PROGRESS }
enum CountPrecision { EXACT AT_LEAST }
enum OrderCreateUserErrorCode {
  FULFILLMENT_SERVICE_INVALID INVALID INVENTORY_CLAIM_FAILED PROCESSED_AT_INVALID
  REDUNDANT_CUSTOMER_FIELDS SHOP_DORMANT TAX_LINE_RATE_MISSING
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type Image {
  id: ID
  url: URL!
  altText: String
  width: Int
  height: Int
}
type ImageEdge { cursor: String! node: Image! }
type ImageConnection { edges: [ImageEdge!]! nodes: [Image!]! pageInfo: PageInfo! }

type InventoryItem {
  id: ID!
  sku: String
  tracked: Boolean!
  legacyResourceId: String!
}

type ProductVariant {
  id: ID!
  legacyResourceId: String!
  title: String!
  displayName: String!
  sku: String
  price: Money!
  compareAtPrice: Money
  inventoryQuantity: Int
  inventoryItem: InventoryItem!
  product: Product!
  createdAt: DateTime!
  updatedAt: DateTime!
}
type ProductVariantEdge { cursor: String! node: ProductVariant! }
type ProductVariantConnection {
  edges: [ProductVariantEdge!]!
  nodes: [ProductVariant!]!
  pageInfo: PageInfo!
}

type Product {
  id: ID!
  legacyResourceId: String!
  title: String!
  handle: String!
  description(truncateAt: Int): String!
  descriptionHtml: HTML!
  status: ProductStatus!
  vendor: String!
  productType: String!
  tags: [String!]!
  totalInventory: Int!
  createdAt: DateTime!
  updatedAt: DateTime!
  variants(
    first: Int, after: String, last: Int, before: String, reverse: Boolean = false
  ): ProductVariantConnection!
  images(
    first: Int, after: String, last: Int, before: String, reverse: Boolean = false
  ): ImageConnection!
}
type ProductEdge { cursor: String! node: Product! }
type ProductConnection { edges: [ProductEdge!]! nodes: [Product!]! pageInfo: PageInfo! }

type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }

type Order {
  id: ID!
  legacyResourceId: String!
  name: String!
  email: String
  note: String
  tags: [String!]!
  sourceName: String
  sourceIdentifier: String
  createdAt: DateTime!
  currencyCode: CurrencyCode!
  totalPriceSet: MoneyBag!
}

type UserError { field: [String!] message: String! }
type OrderCreateUserError { field: [String!] message: String! code: OrderCreateUserErrorCode }

type AppRecurringPricing { price: MoneyV2! interval: AppPricingInterval! }
type AppSubscription {
  id: ID!
  name: String!
  status: AppSubscriptionStatus!
  test: Boolean!
  returnUrl: URL!
  createdAt: DateTime!
  currentPeriodEnd: DateTime
  trialDays: Int!
}

type Count { count: Int! precision: CountPrecision! }

type BulkOperation implements Node {
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
  type: BulkOperationType!
}
type BulkOperationUserError { code: BulkOperationUserErrorCode field: [String!] message: String! }
type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }

type OrderCreatePayload { order: Order userErrors: [OrderCreateUserError!]! }
type AppSubscriptionCreatePayload {
  appSubscription: AppSubscription
  confirmationUrl: URL
  userErrors: [UserError!]!
}

input MoneyInput { amount: Decimal! currencyCode: CurrencyCode! }
input MoneyBagInput { shopMoney: MoneyInput! presentmentMoney: MoneyInput }
input OrderCreateLineItemInput {
  variantId: ID
  quantity: Int!
  priceSet: MoneyBagInput
  title: String
  sku: String
  requiresShipping: Boolean
  taxable: Boolean
}
input OrderCreateOrderInput {
  lineItems: [OrderCreateLineItemInput!]
  currency: CurrencyCode
  presentmentCurrency: CurrencyCode
  email: String
  phone: String
  note: String
  tags: [String!]
  sourceName: String
  sourceIdentifier: String
  sourceUrl: URL
  financialStatus: OrderCreateFinancialStatus
  processedAt: DateTime
}
input OrderCreateOptionsInput {
  inventoryBehaviour: OrderCreateInputsInventoryBehavior = BYPASS
  sendReceipt: Boolean = false
  sendFulfillmentReceipt: Boolean = false
}
input AppRecurringPricingInput { price: MoneyInput! interval: AppPricingInterval = EVERY_30_DAYS }
input AppUsagePricingInput { cappedAmount: MoneyInput! terms: String! }
input AppPlanInput {
  appRecurringPricingDetails: AppRecurringPricingInput
  appUsagePricingDetails: AppUsagePricingInput
}
input AppSubscriptionLineItemInput { plan: AppPlanInput! }

type Query {
  products(
    first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
    sortKey: ProductSortKeys = ID, query: String
  ): ProductConnection!
  product(id: ID!): Product
  productVariant(id: ID!): ProductVariant
  productsCount(query: String, limit: Int = 10000): Count
  node(id: ID!): Node
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
}

type Mutation {
  orderCreate(order: OrderCreateOrderInput!, options: OrderCreateOptionsInput): OrderCreatePayload
  appSubscriptionCreate(
    name: String!, lineItems: [AppSubscriptionLineItemInput!]!, returnUrl: URL!,
    test: Boolean, trialDays: Int
  ): AppSubscriptionCreatePayload
  bulkOperationRunQuery(query: String!, groupObjects: Boolean! = true): BulkOperationRunQueryPayload
}
"""

SCHEMA: GraphQLSchema = build_schema(SDL)
Composite = GraphQLObjectType | GraphQLInterfaceType


def field_definition(parent: Composite, name: str) -> GraphQLField | None:
    """``parent``'s field ``name``; for an interface, also the fields its types add (``... on X``)."""
    if name in parent.fields:
        return parent.fields[name]
    if isinstance(parent, GraphQLInterfaceType):
        for possible in SCHEMA.get_possible_types(parent):
            if name in possible.fields:
                return possible.fields[name]
    return None


def is_connection(named_type: Any) -> TypeGuard[GraphQLObjectType]:
    return isinstance(named_type, GraphQLObjectType) and named_type.name.endswith("Connection")


class QueryCost:
    """Requested cost (from first/last) and actual cost (from what came back) of one operation."""

    def __init__(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.operation = operation
        self.fragments = fragments
        self.variables = variables

    def requested(self) -> int:
        return self._root(data=None)

    def actual(self, data: dict[str, Any] | None) -> int:
        return self._root(data=data or {})

    def _root(self, data: dict[str, Any] | None) -> int:
        if self.operation.operation == OperationType.MUTATION:
            return MUTATION_COST * len(self._fields(self.operation.selection_set))
        query_type = SCHEMA.query_type
        assert query_type is not None
        return self._selection(self.operation.selection_set, query_type, data)

    def _fields(self, selection_set: SelectionSetNode) -> list[FieldNode]:
        found: list[FieldNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self._fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                found.extend(self._fields(self.fragments[selection.name.value].selection_set))
        return found

    def _selection(self, selection_set: SelectionSetNode, parent: Composite, data: Any) -> int:
        total = 0
        for node in self._fields(selection_set):
            name = node.name.value
            definition = None if name.startswith("__") else field_definition(parent, name)
            if definition is None:
                continue
            field_type = get_named_type(definition.type)
            if is_leaf_type(field_type) or not isinstance(field_type, Composite):
                continue
            key = node.alias.value if node.alias else name
            value = data.get(key) if isinstance(data, dict) else None
            if data is not None and value is None:
                continue  # nothing came back: nothing was spent
            if is_connection(field_type):
                total += self._connection(node, field_type, value if data is not None else None)
            elif node.selection_set is not None:
                items = value if isinstance(value, list) else [value]
                total += sum(1 + self._selection(node.selection_set, field_type, item) for item in items)
        return total

    def _connection(self, node: FieldNode, connection: GraphQLObjectType, data: dict[str, Any] | None) -> int:
        """2 + one item's cost x (first|last) when requested, x the items returned when actual."""
        assert node.selection_set is not None
        size = self._argument(node, "first") or self._argument(node, "last") or 0
        total = 2
        for child in self._fields(node.selection_set):
            name = child.name.value
            if name == "pageInfo":
                total += 1
            elif name in ("nodes", "edges") and child.selection_set is not None:
                item_type = get_named_type(connection.fields[name].type)
                assert isinstance(item_type, GraphQLObjectType)
                key = child.alias.value if child.alias else name
                own = 0 if name == "edges" else 1  # an edge costs what its node costs
                if data is None:
                    total += size * (own + self._selection(child.selection_set, item_type, None))
                else:
                    items = data.get(key) or []
                    total += sum(own + self._selection(child.selection_set, item_type, i) for i in items)
        return total

    def _argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments:
            if argument.name.value == name:
                value = value_from_ast_untyped(argument.value, self.variables)
                return int(value) if isinstance(value, int) else None
        return None
