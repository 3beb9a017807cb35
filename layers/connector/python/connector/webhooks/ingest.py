"""What both webhook doors do after verification: decide whether to queue, then queue."""

from __future__ import annotations

from enum import StrEnum

from connector.dal.store import Store
from connector.domain.entities import InstallState
from connector.queues import MessageQueue
from connector.webhooks.message import QueuedWebhook, Source
from connector.webhooks.shopify import PRIVACY_TOPICS


class Acceptance(StrEnum):
    QUEUED = "queued"
    UNSUBSCRIBED = "unsubscribed"  # a topic or type we do not handle
    UNKNOWN_SHOP = "unknown_shop"
    UNINSTALLED_SHOP = "uninstalled_shop"


def accept(message: QueuedWebhook, store: Store, queue: MessageQueue) -> Acceptance:
    """Queue a verified, subscribed delivery unless its shop is unknown or gone.

    Ignored deliveries still answer 200: an error would only make the sender retry for hours.
    """
    profile = store.get_shop(message.shop)
    if profile is None:
        return Acceptance.UNKNOWN_SHOP
    still_owed = message.source is Source.SHOPIFY and message.topic in PRIVACY_TOPICS
    if profile.install_state is InstallState.UNINSTALLED and not still_owed:
        return Acceptance.UNINSTALLED_SHOP
    queue.send(message.model_dump_json())
    return Acceptance.QUEUED
