"""The merchant's activate and deactivate on TikTok Shop, and the status TikTok reports after them."""

from __future__ import annotations

from functools import partial

from connector.activities.writes import change_product
from connector.domain.changes import Change, product_status_from_tiktok_event
from connector.domain.entities import Product
from connector.domain.status import Verdict
from connector.jobs import Job, JobKind
from connector.values import replace
from connector.wiring import Ports


def not_active_in_shopify(product: Product) -> str:
    return f"{product.shopify_status.lower()} in Shopify: only active products sell on TikTok Shop"


def _status_on_tiktok(
    raw_status: str, reasons: str | None, update_time: int, current: Product | None
) -> Change[Product]:
    """The product's status as TikTok answered it after the merchant's activation or deactivation,
    which is theirs from now on: a pause for stock is over."""
    if current is None:
        return Change(Verdict.STALE)
    merchants = replace(current, paused_for_stock=False)
    change = product_status_from_tiktok_event(merchants, raw_status, reasons, update_time)
    if not change.applies and current.paused_for_stock:
        return Change(Verdict.APPLY, merchants)
    return change


def run_activation(job: Job, ports: Ports) -> None:
    """Activate or deactivate on TikTok, then hold the status TikTok reports afterwards."""
    activity_id = job.params["activity_id"]
    shop = ports.shop(job.shop)
    api = ports.tiktok_api(shop)
    for product_id in job.params["shopify_product_ids"]:
        product = ports.store.get_product(shop.domain, product_id)
        if product is None or product.tiktok_product_id is None:
            ports.store.activities.record_activity_item(
                shop.domain, activity_id, product_id, False, "not on TikTok Shop"
            )
            continue
        if job.kind is JobKind.ACTIVATE and not product.sells_in_shopify:
            problem = not_active_in_shopify(product)
            ports.store.activities.record_activity_item(shop.domain, activity_id, product_id, False, problem)
            continue
        act = api.activate_products if job.kind is JobKind.ACTIVATE else api.deactivate_products
        failures = act([product.tiktok_product_id])
        if failures:
            reason = "; ".join(f.message for f in failures)
            ports.store.activities.record_activity_item(shop.domain, activity_id, product_id, False, reason)
            continue
        now = api.get_product(product.tiktok_product_id)
        reasons = "; ".join(now.audit_failed_reasons) or None
        change_product(
            ports,
            shop.domain,
            product_id,
            partial(_status_on_tiktok, now.status, reasons, now.update_time),
        )
        ports.store.activities.record_activity_item(shop.domain, activity_id, product_id, True)
    ports.store.activities.finish_activity_if_done(shop.domain, activity_id, ports.now())
