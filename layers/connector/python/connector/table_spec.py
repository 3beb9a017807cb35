"""The one definition of the connector's DynamoDB table.

The PynamoDB models, the local/test table creation and the CDK data construct all read these
names, so the key schema, the indexes and the TTL attribute are written exactly once.
"""

from __future__ import annotations

from connector.values import Value

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"


class IndexSpec(Value, frozen=True):
    name: str
    partition_key: str
    sort_key: str


# A shop's products or orders of one status, newest first: "{shop}#PRODUCT#{status}" / sort time.
BY_STATUS = IndexSpec(name="by_status", partition_key="gsi1pk", sort_key="gsi1sk")
# All of a shop's products or orders (and activities), newest first: "{shop}#PRODUCT" / sort time.
BY_KIND = IndexSpec(name="by_kind", partition_key="gsi2pk", sort_key="gsi2sk")

GLOBAL_INDEXES: tuple[IndexSpec, ...] = (BY_STATUS, BY_KIND)
# The indexes hold keys only: a write that keeps an item's index keys (a product's new title, an
# order's new sale, an activity's progress) writes nothing to them, where ALL projected every change
# into both (two thirds of an update's write units). A listing reads its page's items by key.
INDEX_PROJECTION = "KEYS_ONLY"

# Every key attribute is a string.
KEY_ATTRIBUTES: tuple[str, ...] = (
    PARTITION_KEY,
    SORT_KEY,
    *(attr for index in GLOBAL_INDEXES for attr in (index.partition_key, index.sort_key)),
)


def create_table_request(table_name: str) -> dict[str, object]:
    """Arguments of DynamoDB CreateTable for this table (on-demand, all attributes projected)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in KEY_ATTRIBUTES],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": INDEX_PROJECTION},
            }
            for index in GLOBAL_INDEXES
        ],
    }
