"""The GraphQL Admin API documents (API 2025-10) the client sends, argument and field names as
documented at shopify.dev/docs/api/admin-graphql/2025-10.
"""

from __future__ import annotations

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
