"""The one way a product's new state is written from a job: read, decide, write with the version
read, again when another writer got there first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from connector.dal.store import CommitOutcome

if TYPE_CHECKING:
    from connector.domain.changes import Change
    from connector.domain.entities import Product
    from connector.wiring import Ports

MAX_ATTEMPTS = 8


class NotYetWrittenError(RuntimeError):
    """The job was queued just before the webhook's write and ran before it landed: retried later."""


def change_product(
    ports: Ports,
    shop: str,
    product_id: str,
    decide: Callable[[Product | None], Change[Product]],
    first_read: Product | None = None,
) -> Product | None:
    """Read, decide, write with the version read; read again when another writer got there first.
    ``first_read``: the product as the caller just read it, decided on in the first try (the
    write is conditional on its version all the same). Returns the product as written, or as held
    when nothing applied."""
    for attempt in range(MAX_ATTEMPTS):
        fresh = attempt > 0 or first_read is None
        current = ports.store.get_product(shop, product_id) if fresh else first_read
        change = decide(current)
        if not change.applies or change.entity is None:
            return current
        if ports.store.commit_product(change.entity, change.counter_deltas) is CommitOutcome.APPLIED:
            return change.entity
    raise RuntimeError(f"product {product_id} kept changing")
