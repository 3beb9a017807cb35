"""A product deleted in Shopify: its TikTok listing deleted, and its plan slot back."""

from __future__ import annotations

from connector.activities.automatic import tallied
from connector.activities.writes import NotYetWrittenError
from connector.domain.entities import ActivityType
from connector.domain.plans import QuotaKind
from connector.jobs import Job
from connector.wiring import Ports


def run_remove_listing(job: Job, ports: Ports) -> None:
    """Delete from TikTok the listing of a product deleted in Shopify, then free its plan slot."""
    shop = ports.shop(job.shop)
    product_id, tiktok_product_id = (
        str(job.params["shopify_product_id"]),
        str(job.params["tiktok_product_id"]),
    )

    def remove() -> str | None:
        product = ports.store.get_product(shop.domain, product_id)
        if product is None or not product.deleted:
            raise NotYetWrittenError(f"product {product_id} is not deleted here yet")
        failures = ports.tiktok_api(shop).delete_products([tiktok_product_id])
        if failures:
            return "; ".join(failure.message for failure in failures)
        ports.store.unlink_tiktok_product(
            shop.domain, tiktok_product_id, job.params.get("inventory_item_ids", ())
        )
        ports.store.give_back_quota(shop.domain, QuotaKind.PRODUCTS, product_id)
        return None

    tallied(job, ports, ActivityType.PRODUCT_SYNC, f"{product_id}:removed", remove)
