"""The sales figures' part of the counter reconciliation: recount every day's figures and product
shares from the orders, repair what differs, report it, then digest the shop's sales (fold them,
rank its top products again). connector.schedules.reconcile_counters calls it per shop."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.dal.sales_days import drift_between
from connector.dal.store import Store
from connector.observability import Metric, count, logger
from connector.sales_digest import digest_sales


def reconcile_sales(store: Store, shop: str) -> int:
    """Repair each figure and product share that differs from a recount of the orders; returns
    how many were repaired. A shop whose sales moved during the recount is left for the next run,
    since the recount may have raced those writes."""
    before = store.sales.held(shop)
    counted = store.sales.recount(shop)
    if store.sales.held(shop) != before:
        return 0
    drift = drift_between(counted, before)
    store.sales.repair(shop, drift)
    repaired = sum(len(figures) for figures in drift.values())
    if repaired:
        count(Metric.SALES_DRIFT, repaired)
        logger.warning("sales drift repaired", shop=shop, days=len(drift), figures=repaired)
    digest_sales(store, shop, datetime.now(UTC))
    return repaired
