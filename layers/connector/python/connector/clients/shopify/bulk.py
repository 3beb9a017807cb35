"""The result file of the catalog's bulk query (JSONL, grouped by product) read into products.

Per shopify.dev/docs/api/usage/bulk-operations/queries: each node of a nested connection is a line of
its own carrying ``__parentId``; ``groupObjects`` puts a parent's child lines right after it, so the
file can be read in byte ranges, a product's line being where a range may start.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from connector.clients.shopify import parsing
from connector.clients.shopify.errors import ShopifyError
from connector.clients.shopify.models import ShopifyProduct


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
                products.append(parsing.product(node, variants, images))
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
        products.append(parsing.product(node, variants, images))
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
