"""The GraphQL Admin API documents (API 2025-10) the client sends, argument and field names as
documented at shopify.dev/docs/api/admin-graphql/2025-10.
"""

from __future__ import annotations

# The fields an import reads, shared by the paged queries and the bulk query. A listing needs the
# product's vendor, type, standard category (objects/TaxonomyCategory) and options (objects/
# ProductOption: ``values``, not deprecated), and each variant's selected options, compare-at price
# and weight (objects/InventoryItemMeasurement, on the inventory item since ProductVariant's own
# weight fields went away).
PRODUCT_SCALARS = (
    "id title handle description descriptionHtml status updatedAt vendor productType "
    "category { id fullName } options { name values }"
)
VARIANT_COMMON = (
    "id sku price compareAtPrice inventoryQuantity selectedOptions { name value } "
    "inventoryItem { id measurement { weight { unit value } } }"
)
# A variant's image: ``ProductVariant.image`` is deprecated ("Use `media` instead"), so pages read
# its first media (objects/ProductVariant#field-media). Every variant of a page pays for it: see
# ``VARIANT_COST``.
VARIANT_FIELDS = (
    f"{VARIANT_COMMON} media(first: 1) {{ nodes {{ ... on MediaImage {{ id image {{ url }} }} }} }}"
)
# In a bulk query, products -> variants -> media would nest connections three deep, and bulk
# queries allow two (shopify.dev/docs/api/usage/bulk-operations/queries, "Operation restrictions"):
# there the deprecated ``image`` object is the only way to a variant's image in the same operation.
BULK_VARIANT_FIELDS = f"{VARIANT_COMMON} image {{ id url }}"
IMAGE_FIELDS = "id url altText"
# What one item of each costs by shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits (objects
# 1, connections 2 + first x an item): a variant 1 + selectedOptions 1 + inventoryItem, measurement
# and weight 3 + media(first: 1) 4; a product 1 + category 1 + options 1 (before its connections).
VARIANT_COST = 9
PRODUCT_OBJECT_COST = 3

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
        variants {{ edges {{ node {{ {BULK_VARIANT_FIELDS} }} }} }}
        images {{ edges {{ node {{ {IMAGE_FIELDS} }} }} }}
      }}
    }}
  }}
}}
"""

# The shop's locations (objects/Location), inactive ones too: the caller decides what to use.
LOCATIONS_QUERY = """
query ConnectorLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: true, sortKey: ID) {
    nodes { id name isActive fulfillsOnlineOrders }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# ``available`` per location of many inventory items in one call: ``nodes(ids:)`` on InventoryItem,
# its inventoryLevels and their quantities (objects/InventoryLevel#field-quantities; the names are
# those of shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/manage-quantities-states).
LEVEL_FIELDS = 'location { id } quantities(names: ["available"]) { name quantity }'
LEVELS = f"nodes {{ {LEVEL_FIELDS} }} pageInfo {{ hasNextPage endCursor }}"
INVENTORY_LEVELS_QUERY = f"""
query ConnectorInventoryLevels($ids: [ID!]!, $levelsFirst: Int!) {{
  nodes(ids: $ids) {{
    ... on InventoryItem {{
      id
      inventoryLevels(first: $levelsFirst) {{ {LEVELS} }}
    }}
  }}
}}
"""

# The levels of one item beyond the first page (a shop with many locations).
INVENTORY_ITEM_LEVELS_QUERY = f"""
query ConnectorInventoryItemLevels($id: ID!, $first: Int!, $after: String) {{
  inventoryItem(id: $id) {{
    inventoryLevels(first: $first, after: $after) {{ {LEVELS} }}
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

# orderCancel (2025-10): ``refund`` is deprecated ("Use `refundMethod` instead"); the order's money
# stays as it is with refundMethod { originalPaymentMethodsRefund: false } and no store credit. Its
# errors are ``orderCancelUserErrors`` (``userErrors`` is deprecated). The cancellation runs as a job.
ORDER_CANCEL = """
mutation ConnectorOrderCancel(
  $orderId: ID!
  $reason: OrderCancelReason!
  $restock: Boolean!
  $notifyCustomer: Boolean
  $staffNote: String
  $refundMethod: OrderCancelRefundMethodInput
) {
  orderCancel(
    orderId: $orderId
    reason: $reason
    restock: $restock
    notifyCustomer: $notifyCustomer
    staffNote: $staffNote
    refundMethod: $refundMethod
  ) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

# Whether an order is cancelled (objects/Order#field-cancelledAt): what a refused orderCancel is
# checked against.
ORDER_CANCELLED_QUERY = """
query ConnectorOrderCancelled($id: ID!) {
  order(id: $id) { id cancelledAt }
}
"""

# An order's line items (objects/LineItem): quantities as ordered, as left after refunds and
# removals, refundable, and not yet fulfilled; the variant, none on a custom line item.
ORDER_LINE_FIELDS = "id sku quantity currentQuantity refundableQuantity unfulfilledQuantity variant { id }"
ORDER_LINE_COST = 2  # the line item and its variant
ORDER_LINE_ITEMS_QUERY = f"""
query ConnectorOrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    id
    lineItems(first: $first, after: $after) {{
      nodes {{ {ORDER_LINE_FIELDS} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

# refundCreate (input RefundInput): line items back in stock (restockType), and money only as the
# ``transactions`` given.
REFUND_CREATE = """
mutation ConnectorRefundCreate($input: RefundInput!) {
  refundCreate(input: $input) {
    refund { id }
    userErrors { field message }
  }
}
"""

APP_SUBSCRIPTION_CREATE = """
mutation ConnectorAppSubscriptionCreate(
  $name: String!,
  $lineItems: [AppSubscriptionLineItemInput!]!,
  $returnUrl: URL!,
  $test: Boolean,
  $replacementBehavior: AppSubscriptionReplacementBehavior
) {
  appSubscriptionCreate(
    name: $name, lineItems: $lineItems, returnUrl: $returnUrl, test: $test,
    replacementBehavior: $replacementBehavior
  ) {
    appSubscription { id name status createdAt }
    confirmationUrl
    userErrors { field message }
  }
}
"""

# The subscriptions Shopify bills the shop now (objects/AppInstallation, field activeSubscriptions;
# objects/AppSubscription: currentPeriodEnd is null unless the subscription is active).
ACTIVE_SUBSCRIPTIONS_QUERY = """
query ConnectorActiveSubscriptions {
  currentAppInstallation {
    activeSubscriptions { id name status createdAt currentPeriodEnd }
  }
}
"""

# The shop's own facts the sales figures need (objects/Shop): its IANA time zone, which decides the
# day a sale counts on, and the currency its amounts are shown in.
SHOP_FACTS_QUERY = """
query ConnectorShopFacts {
  shop { ianaTimezone currencyCode }
}
"""
