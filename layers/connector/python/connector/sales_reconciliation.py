"""The sales figures' part of the counter reconciliation: recount every day from the orders,
repair what differs, report it (connector.schedules.reconcile_counters calls it per shop)."""

from __future__ import annotations

from connector.dal.sales_days import drift_between
from connector.dal.store import Store
from connector.observability import Metric, count, logger

FIRST_DAY, LAST_DAY = "0000-00-00", "9999-99-99"  # every day item of a shop


def reconcile_sales(store: Store, shop: str) -> int:
    """Repair each shop-day figure that differs from a recount of the orders; returns how many
    figures were repaired. A shop whose figures moved during the recount is left for the next run,
    since the recount may have raced those writes."""
    before = store.sales_days(shop, FIRST_DAY, LAST_DAY)
    counted = store.recount_sales(shop)
    if store.sales_days(shop, FIRST_DAY, LAST_DAY) != before:
        return 0
    drift = drift_between(counted, before)
    store.repair_sales(shop, drift)
    repaired = sum(len(figures) for figures in drift.values())
    if repaired:
        count(Metric.SALES_DRIFT, repaired)
        logger.warning("sales drift repaired", shop=shop, days=len(drift), figures=repaired)
    return repaired
