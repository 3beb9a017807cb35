"""Which work each job kind is."""

from __future__ import annotations

from collections.abc import Callable

from connector.activities.catalog import run_import
from connector.activities.orders import run_order_sync, run_release_held_orders
from connector.activities.ports import WorkPorts
from connector.activities.tiktok_listing import run_activation, run_cancel, run_inventory_sync, run_upload
from connector.jobs import Job, JobKind

WORK: dict[JobKind, Callable[[Job, WorkPorts], None]] = {
    JobKind.IMPORT: run_import,
    JobKind.UPLOAD: run_upload,
    JobKind.ACTIVATE: run_activation,
    JobKind.DEACTIVATE: run_activation,
    JobKind.CANCEL_ORDER: run_cancel,
    JobKind.INVENTORY_SYNC: run_inventory_sync,
    JobKind.ORDER_SYNC: run_order_sync,
    JobKind.RELEASE_HELD_ORDERS: run_release_held_orders,
}


class NotYetBuiltError(RuntimeError):
    """A job kind whose work is not built yet: it stays on the queue (then the DLQ), never dropped."""


def run(job: Job, ports: WorkPorts) -> None:
    work = WORK.get(job.kind)
    if work is None:
        raise NotYetBuiltError(f"no work for {job.kind.value} jobs yet")
    work(job, ports)
