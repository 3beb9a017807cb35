"""The Shopify sandbox's bulk query operations, over real HTTP on 127.0.0.1: bulkOperationRunQuery,
polling with node / currentBulkOperation, the signed JSONL download (with Range requests) and
productsCount, as shopify.dev/docs/api/usage/bulk-operations/queries describes them."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.sandboxes.shopify import ShopifySandbox

API_KEY = "sandbox-client-id"
API_SECRET = "sandbox-client-secret-of-32-bytes-or-more"
PRODUCTS = 13  # index 6 has no image: one product's images connection is empty

# What the connector sends, verbatim.
CATALOG_QUERY = """
{ products(sortKey: ID) { edges { node { id title handle description descriptionHtml status updatedAt
    variants { edges { node { id sku price inventoryQuantity inventoryItem { id } } } }
    images { edges { node { id url altText } } } } } } }
"""
# The same catalog in the ``nodes`` shape, with a page size that a bulk query ignores.
CATALOG_NODES_QUERY = """
{ products(first: 2) { nodes { id title handle description descriptionHtml status updatedAt
    variants(first: 1) { nodes { id sku price inventoryQuantity inventoryItem { id } } }
    images { nodes { id url altText } } } } }
"""
RUN = """
mutation Run($query: String!, $group: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $group) {
    bulkOperation { id status createdAt query }
    userErrors { code field message }
  }
}
"""
OPERATION = """
query Operation($id: ID!) {
  node(id: $id) {
    id
    ... on BulkOperation {
      status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl type
    }
  }
}
"""
CURRENT = "{ currentBulkOperation { id status url } }"


@dataclass
class Admin:
    """One shop's GraphQL Admin API on the sandbox, called as an app would, with its token."""

    sandbox: ShopifySandbox
    shop: str
    token: str

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(
            f"{self.sandbox.url}/{self.shop}/admin/api/2025-10/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": self.token},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def run(self, query: str, group: bool = True) -> dict[str, Any]:
        answer = self.graphql(RUN, {"query": query, "group": group})
        assert answer["extensions"]["cost"]["requestedQueryCost"] == 10  # the inner query is free
        payload: dict[str, Any] = answer["data"]["bulkOperationRunQuery"]
        return payload

    def operation(self, gid: str) -> dict[str, Any]:
        node: dict[str, Any] = self.graphql(OPERATION, {"id": gid})["data"]["node"]
        return node

    def wait(self, gid: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        operation = self.operation(gid)
        while operation["status"] in ("CREATED", "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.02)
            operation = self.operation(gid)
        return operation

    def run_to_end(self, query: str = CATALOG_QUERY, group: bool = True) -> dict[str, Any]:
        payload = self.run(query, group)
        assert payload["userErrors"] == []
        return self.wait(payload["bulkOperation"]["id"])


@pytest.fixture
def sandbox() -> Iterator[ShopifySandbox]:
    with ShopifySandbox(API_KEY, API_SECRET, products_per_shop=PRODUCTS, bulk_seconds=0.2) as box:
        yield box


@pytest.fixture
def shop() -> str:
    return f"test-{uuid.uuid4().hex[:10]}.myshopify.com"


@pytest.fixture
def admin(sandbox: ShopifySandbox, shop: str) -> Admin:
    return Admin(sandbox, shop, sandbox.issue_token(shop))


def download(url: str, range_header: str | None = None) -> requests.Response:
    """The result file, as a client fetches it: no access token, only the signed url."""
    return requests.get(url, headers={"Range": range_header} if range_header else {}, timeout=5)


def lines_of(content: bytes) -> list[dict[str, Any]]:
    assert content.endswith(b"\n")
    return [json.loads(line) for line in content.decode("utf-8").split("\n")[:-1]]


def expected_catalog(sandbox: ShopifySandbox, shop: str) -> dict[str, dict[str, Any]]:
    """The sandbox's records, shaped as rebuild() shapes the file."""
    return {
        product.gid: {
            "title": product.title,
            "handle": product.handle,
            "descriptionHtml": product.description_html,
            "status": product.status,
            "variants": [
                (
                    f"gid://shopify/ProductVariant/{v.id}",
                    v.sku,
                    f"{v.price:.2f}",
                    v.inventory_quantity,
                    f"gid://shopify/InventoryItem/{v.inventory_item_id}",
                )
                for v in product.variants
            ],
            "images": [(f"gid://shopify/ProductImage/{i.id}", i.url, i.alt_text) for i in product.images],
        }
        for product in sorted(sandbox.catalog(shop), key=lambda p: p.id)
    }


def rebuild(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The catalog from JSONL lines, children attached by __parentId (in any order)."""
    products = {
        line["id"]: {key: line[key] for key in ("title", "handle", "descriptionHtml", "status")}
        | {"variants": [], "images": []}
        for line in lines
        if "__parentId" not in line
    }
    for line in lines:
        parent = line.get("__parentId")
        if parent is None:
            continue
        if "/ProductVariant/" in line["id"]:
            item = (line["id"], line["sku"], line["price"], line["inventoryQuantity"])
            products[parent]["variants"].append((*item, line["inventoryItem"]["id"]))
        else:
            products[parent]["images"].append((line["id"], line["url"], line["altText"]))
    return products


# -- running and polling -------------------------------------------------------------------------


def test_the_catalog_query_completes_and_its_file_rebuilds_the_catalog_grouped(
    admin: Admin, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given a shop of 13 products
    expected = expected_catalog(sandbox, shop)
    children = sum(len(p["variants"]) + len(p["images"]) for p in expected.values())
    # When the connector's bulk query is run with groupObjects: true
    payload = admin.run(CATALOG_QUERY, group=True)
    # Then the operation is created, and polling it with node(id:) reaches COMPLETED
    created = payload["bulkOperation"]
    assert payload["userErrors"] == []
    assert created["status"] == "CREATED" and created["query"] == CATALOG_QUERY
    assert re.fullmatch(r"gid://shopify/BulkOperation/\d+", created["id"])
    assert admin.operation(created["id"])["status"] in ("CREATED", "RUNNING")
    done = admin.wait(created["id"])
    assert done["status"] == "COMPLETED" and done["errorCode"] is None and done["completedAt"]
    assert (done["type"], done["partialDataUrl"]) == ("QUERY", None)
    assert done["rootObjectCount"] == str(PRODUCTS)  # UnsignedInt64 travels as a string
    assert done["objectCount"] == str(PRODUCTS + children)
    # And the file, fetched without a token, holds one compact JSON line per node
    response = download(done["url"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jsonl"
    assert done["fileSize"] == str(len(response.content))
    lines = lines_of(response.content)
    assert len(lines) == PRODUCTS + children
    for raw, line in zip(response.content.decode().split("\n"), lines, strict=False):
        assert raw == json.dumps(line, separators=(",", ":"), ensure_ascii=False)
    # And it is exactly the catalog: products by id, each with its variants and images
    assert rebuild(lines) == expected
    assert [line["id"] for line in lines if "__parentId" not in line] == list(expected)
    # And each product's lines follow it directly: its variants, then its images
    parent, kinds = None, ""
    for line in lines:
        if "__parentId" not in line:
            parent, kinds = line["id"], ""
            assert "variants" not in line and "images" not in line  # taken out of the parent's line
            continue
        assert line["__parentId"] == parent
        kinds += "v" if "/ProductVariant/" in line["id"] else "i"
        assert "iv" not in kinds
        assert list(line)[-1] == "__parentId"
    assert sandbox.bulk_downloads == 1
    # And currentBulkOperation names it
    assert admin.graphql(CURRENT)["data"]["currentBulkOperation"] == {
        "id": created["id"],
        "status": "COMPLETED",
        "url": done["url"],
    }


def test_without_grouping_no_child_line_follows_its_parent_and_every_node_is_exported(
    admin: Admin, sandbox: ShopifySandbox, shop: str
) -> None:
    # Given the catalog query in the nodes shape, with page sizes a bulk query ignores
    # When it runs with groupObjects: false
    done = admin.run_to_end(CATALOG_NODES_QUERY, group=False)
    # Then every product comes first, then the child lines, never right under their parent
    lines = lines_of(download(done["url"]).content)
    assert done["status"] == "COMPLETED" and done["rootObjectCount"] == str(PRODUCTS)
    assert ["__parentId" in line for line in lines[:PRODUCTS]] == [False] * PRODUCTS
    assert all("__parentId" in line for line in lines[PRODUCTS:])
    # And the catalog is whole all the same: every product, variant and image
    assert rebuild(lines) == expected_catalog(sandbox, shop)


def test_an_empty_result_completes_without_a_file(shop: str) -> None:
    # Given a shop without products
    with ShopifySandbox(API_KEY, API_SECRET, products_per_shop=0, bulk_seconds=0.0) as empty:
        admin = Admin(empty, shop, empty.issue_token(shop))
        # When the catalog is queried in bulk
        done = admin.run_to_end()
    # Then it completes with nothing to download, as Shopify answers it
    assert done["status"] == "COMPLETED"
    assert (done["objectCount"], done["rootObjectCount"]) == ("0", "0")
    assert (done["fileSize"], done["url"]) == (None, None)


def test_a_second_bulk_query_is_refused_while_the_first_runs(admin: Admin, sandbox: ShopifySandbox) -> None:
    # Given a bulk query that is still running
    sandbox.bulk_seconds = 1.0
    first = admin.run(CATALOG_QUERY)["bulkOperation"]
    # When another one is asked for
    second = admin.run(CATALOG_NODES_QUERY)
    # Then it is refused with OPERATION_IN_PROGRESS, naming the one in progress
    assert second["bulkOperation"] is None
    assert second["userErrors"] == [
        {
            "code": "OPERATION_IN_PROGRESS",
            "field": None,
            "message": f"A bulk query operation for this app and shop is already in progress: {first['id']}.",
        }
    ]
    assert admin.graphql(CURRENT)["data"]["currentBulkOperation"]["id"] == first["id"]
    # And once the first has completed, a new one starts
    assert admin.wait(first["id"])["status"] == "COMPLETED"
    sandbox.bulk_seconds = 0.0
    assert admin.run_to_end(CATALOG_NODES_QUERY)["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param(
            '{ product(id: "gid://shopify/Product/1") { id title } }',
            "at least one connection",
            id="no-connection",
        ),
        pytest.param(
            "{ products { edges { node { id variants { edges { node { id"
            " product { images { nodes { id } } } } } } } } } }",
            "nesting depth greater than 2",
            id="depth-3",
        ),
        pytest.param(
            "{ products { nodes { id a: variants { nodes { id } } b: variants { nodes { id } }"
            " c: images { nodes { id } } d: images { nodes { id } } e: images { nodes { id } } } } }",
            "more than 5 connections",
            id="six-connections",
        ),
        pytest.param(
            "{ products { nodes { id } } other: products { nodes { id } } }",
            "single top-level field",
            id="two-top-fields",
        ),
        pytest.param(
            '{ product(id: "gid://shopify/Product/1") { id variants { nodes { id } } } }',
            "single top-level field, and it must be a connection",
            id="top-object",
        ),
        pytest.param(
            "{ products { nodes { title variants { nodes { id } } } } }",
            "select the 'id' field",
            id="no-parent-id",
        ),
        pytest.param("{ products { nodes { id colour } } }", "colour", id="not-in-schema"),
        pytest.param("{ products { nodes { id }", "Syntax Error", id="syntax"),
        pytest.param(
            'mutation { bulkOperationRunQuery(query: "{}") { userErrors { code } } }',
            "mutations",
            id="a-mutation",
        ),
    ],
)
def test_a_query_shopify_would_not_run_in_bulk_is_invalid(
    admin: Admin, sandbox: ShopifySandbox, query: str, reason: str
) -> None:
    # When a query breaking the bulk rules is sent
    payload = admin.run(query)
    # Then it answers userErrors INVALID on the query argument, saying why, and starts nothing
    assert payload["bulkOperation"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["query"])
    assert reason in error["message"]
    assert admin.graphql(CURRENT)["data"]["currentBulkOperation"] is None
    sandbox.contract.clear()  # the query outside Shopify's schema was sent on purpose


def test_a_failing_operation_ends_failed_without_a_url(admin: Admin, sandbox: ShopifySandbox) -> None:
    # Given the next bulk operation is made to fail
    sandbox.fail_next_bulk_operation()
    # When it runs / Then it ends FAILED with INTERNAL_SERVER_ERROR and nothing to download
    failed = admin.run_to_end()
    assert (failed["status"], failed["errorCode"], failed["url"]) == ("FAILED", "INTERNAL_SERVER_ERROR", None)
    # And only that one: the next completes
    assert admin.run_to_end()["status"] == "COMPLETED"


# -- the result file -----------------------------------------------------------------------------


def test_range_requests_answer_exactly_the_bytes_asked_for(admin: Admin, sandbox: ShopifySandbox) -> None:
    # Given a completed operation's file
    url = admin.run_to_end()["url"]
    whole = download(url).content
    size = len(whole)
    # When parts of it are asked for / Then 206 carries exactly those bytes, with Content-Range
    middle = download(url, "bytes=10-29")
    assert middle.status_code == 206 and middle.content == whole[10:30]
    assert middle.headers["Content-Range"] == f"bytes 10-29/{size}"
    rest = download(url, f"bytes={size - 7}-")
    assert rest.status_code == 206 and rest.content == whole[-7:]
    assert rest.headers["Content-Range"] == f"bytes {size - 7}-{size - 1}/{size}"
    past_end = download(url, f"bytes=0-{size + 100}")
    assert past_end.status_code == 206 and past_end.content == whole
    # And a range starting at or after the end is not satisfiable
    beyond = download(url, f"bytes={size}-")
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    assert sandbox.bulk_downloads == 4  # the 416 carried no file


def test_the_result_url_is_signed_and_expires(admin: Admin, sandbox: ShopifySandbox, shop: str) -> None:
    # Given a completed operation's url
    done = admin.run_to_end()
    url, number = done["url"], int(done["id"].rsplit("/", 1)[1])
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    signature = query["signature"][0]
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    expires = int(query["expires"][0])
    # Then it is valid for seven days
    assert abs(expires - (time.time() + 7 * 24 * 3600)) < 60
    # And a wrong or missing signature, or one for another file, is forbidden
    wrong = "0" * len(signature) if signature[0] != "0" else "1" * len(signature)
    assert download(f"{base}?expires={expires}&signature={wrong}").status_code == 403
    assert download(f"{base}?expires={expires}").status_code == 403
    assert download(f"{base}?expires={expires + 1}&signature={signature}").status_code == 403
    other = url.replace(f"/{number}.jsonl", f"/{number + 1}.jsonl")
    assert download(other).status_code == 403
    # And an expired url is forbidden, a signed url for no file is not found
    assert download(sandbox.bulk_result_url(shop, number, expires=int(time.time()) - 1)).status_code == 403
    assert download(sandbox.bulk_result_url(shop, number + 1)).status_code == 404
    assert sandbox.bulk_downloads == 0


# -- node, currentBulkOperation, productsCount, and what did not change ---------------------------


def test_node_serves_only_this_shops_records(admin: Admin, sandbox: ShopifySandbox) -> None:
    # Given no bulk operation yet / Then there is no current one
    assert admin.graphql(CURRENT)["data"]["currentBulkOperation"] is None
    # Given one in another shop
    other_shop = f"other-{uuid.uuid4().hex[:8]}.myshopify.com"
    other = Admin(sandbox, other_shop, sandbox.issue_token(other_shop))
    gid = other.run_to_end()["id"]
    # When this shop asks for it / Then it is null, as another shop's id is on Shopify
    assert admin.graphql(OPERATION, {"id": gid})["data"]["node"] is None
    # And a product of this shop is served as a node of its own type (not a BulkOperation)
    product = sandbox.catalog(admin.shop)[0].gid
    answer = admin.graphql(OPERATION, {"id": product})
    assert answer["data"]["node"] == {"id": product}
    # And node costs one point, as an object does
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 1
    assert other.operation(gid)["status"] == "COMPLETED"


def test_products_count_counts_up_to_the_limit(admin: Admin) -> None:
    query = "query Count($limit: Int) { productsCount(limit: $limit) { count precision } }"
    # When the products are counted without and with a limit
    whole = admin.graphql("{ productsCount { count precision } }")
    capped = admin.graphql(query, {"limit": 5})["data"]["productsCount"]
    exact = admin.graphql(query, {"limit": PRODUCTS})["data"]["productsCount"]
    unlimited = admin.graphql(query, {"limit": None})["data"]["productsCount"]
    # Then the count is exact up to the limit, and AT_LEAST the limit beyond it
    assert whole["data"]["productsCount"] == {"count": PRODUCTS, "precision": "EXACT"}
    assert whole["extensions"]["cost"]["requestedQueryCost"] == 1
    assert capped == {"count": 5, "precision": "AT_LEAST"}
    assert exact == unlimited == {"count": PRODUCTS, "precision": "EXACT"}


def test_ordinary_product_queries_still_page(admin: Admin) -> None:
    # An ordinary query still needs first or last, and pages as before
    unpaged = admin.graphql("{ products { nodes { id } } }")
    assert unpaged["errors"][0]["message"] == "you must provide one of first or last"
    paged = admin.graphql("{ products(first: 2) { nodes { id } pageInfo { hasNextPage } } }")
    products = paged["data"]["products"]
    assert len(products["nodes"]) == 2 and products["pageInfo"]["hasNextPage"] is True
    assert paged["extensions"]["cost"]["requestedQueryCost"] == 2 + 2 * 1 + 1
