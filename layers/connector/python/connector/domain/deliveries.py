"""Which webhook deliveries an item already holds: the item is its own delivery marker.

Each product or order keeps short digests of the last few deliveries applied to it, written with
the change in the same conditional write. A redelivery of one of them is a no-op; an older one that
fell out of the list is older than what the item holds, which the domain's ordering (Shopify's
updated_at, TikTok's update_time) already refuses as stale. A marker item beside each change cost a
second write (doubled inside a transaction) for every webhook.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

from connector.domain.entities import Order, Product
from connector.values import replace

RECENT_DELIVERIES = 4
E = TypeVar("E", Product, Order)


def delivery_digest(source: str, delivery_id: str) -> str:
    """16 hex digits of the sender and its delivery id (a collision among one item's last four
    deliveries is out of reach); short, so the item stays within its write unit."""
    return hashlib.blake2b(f"{source}:{delivery_id}".encode(), digest_size=8).hexdigest()


def holds(entity: E | None, digest: str) -> bool:
    return entity is not None and digest in entity.deliveries


def remembering(entity: E, digest: str) -> E:
    """The entity as written by this delivery: its digest last, the oldest dropped."""
    kept: tuple[str, ...] = tuple(d for d in entity.deliveries if d != digest)
    return replace(entity, deliveries=(*kept, digest)[-RECENT_DELIVERIES:])
