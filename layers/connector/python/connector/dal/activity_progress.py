"""The progress of activities (imports, uploads, automatic syncs) in the table.

An activity is one row under its shop (``keys.activity_sk``) with counters; each item, page or
bulk poll it counts leaves a marker row (``keys.activity_item_sk``) written in the same
transaction, so that a retried chunk counts nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from connector.dal import convert, keys
from connector.dal.rows import ActivityItemRow, ActivityRow, RunningActivityRow
from connector.dal.table import (
    CONFLICT_RETRIES,
    MAX_TRANSACTION_ITEMS,
    applied,
    condition_failed,
    connection,
    get,
    newest_first,
    now,
    retry_on_conflict,
)
from connector.domain.entities import ONE_AT_A_TIME, Activity, ActivityState, ActivityType

MAX_ACTIVITY_ERRORS = 10


class ActivityProgress:
    """Reads and writes activities; the store's activity methods."""

    def save_activity(self, activity: Activity) -> None:
        convert.activity_to_row(activity).save()

    def start_activity(self, activity: Activity) -> Activity | None:
        """Save a new ongoing activity; None when it started. An import or upload (ONE_AT_A_TIME)
        takes its shop's one slot of its type, in the same transaction as the activity, on the
        condition that no other holds it: of two simultaneous starts exactly one is saved, and the
        other is answered with the activity that runs (nothing written). The slot is given back when
        the activity ends (``_end_activity``); one still naming an ended activity (given back late,
        or an activity ended by a save) is taken over, on the condition that it still names it."""
        if activity.type not in ONE_AT_A_TIME:
            self.save_activity(activity)
            return None
        held_by: str | None = None  # whom the slot names, as last read (None: nobody)
        for _ in range(CONFLICT_RETRIES):
            if _take_slot(activity, held_by):
                return None
            slot = get(RunningActivityRow, keys.shop_pk(activity.shop), keys.running_sk(activity.type.value))
            held_by = None if slot is None else slot.activity_id
            running = None if held_by is None else self.get_activity(activity.shop, held_by)
            if running is not None and running.state is ActivityState.ONGOING:
                return running
        raise RuntimeError(f"the {activity.type.value} slot of {activity.shop} kept changing hands")

    def get_activity(self, shop: str, activity_id: str) -> Activity | None:
        row = get(ActivityRow, keys.shop_pk(shop), keys.activity_sk(activity_id))
        return None if row is None else convert.activity_from_row(row)

    def list_activities(self, shop: str, finished: bool, limit: int) -> list[Activity]:
        """Ongoing activities, or finished ones (completed or failed), newest first: one Query."""
        listing = convert.activity_listing(ActivityState.COMPLETED if finished else ActivityState.ONGOING)
        page = newest_first(ActivityRow, shop, "ACTIVITY", listing, limit, None)
        return [convert.activity_from_row(r) for r in page.items]

    @retry_on_conflict
    def record_activity_item(
        self, shop: str, activity_id: str, item_id: str, succeeded: bool, error: str | None = None
    ) -> bool:
        """Count one item of an activity as done, exactly once however often its chunk is retried.
        False when it was counted before."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(
            pk, keys.activity_item_sk(activity_id, item_id), succeeded=succeeded, error=error
        )
        activity = ActivityRow(pk, keys.activity_sk(activity_id))
        outcome = ActivityRow.succeeded if succeeded else ActivityRow.failed
        actions = [ActivityRow.processed.add(1), outcome.add(1), ActivityRow.progressed_at.set(now())]
        if not _count_once([marker], activity, actions, condition=ActivityRow.pk.exists()):
            return False
        if error:
            self._note_activity_error(pk, activity_id, f"{item_id}: {error}")
        return True

    def record_activity_successes(self, shop: str, activity_id: str, item_ids: Sequence[str]) -> None:
        """Count a page of succeeded items in one transaction (up to 99). When one of them was
        counted before (a retried page), they are counted one by one instead, so each still counts
        exactly once."""
        wanted = list(dict.fromkeys(item_ids))
        for start in range(0, len(wanted), MAX_TRANSACTION_ITEMS - 1):
            chunk = wanted[start : start + MAX_TRANSACTION_ITEMS - 1]
            if not self._count_successes(shop, activity_id, chunk):
                for item_id in chunk:  # some were counted before: each on its own, once
                    self.record_activity_item(shop, activity_id, item_id, succeeded=True)

    @retry_on_conflict  # per chunk: a collision retries this chunk, not the chunks already counted
    def _count_successes(self, shop: str, activity_id: str, chunk: Sequence[str]) -> bool:
        pk = keys.shop_pk(shop)
        actions = [
            ActivityRow.processed.add(len(chunk)),
            ActivityRow.succeeded.add(len(chunk)),
            ActivityRow.progressed_at.set(now()),
        ]
        markers = [
            ActivityItemRow(pk, keys.activity_item_sk(activity_id, item_id), succeeded=True)
            for item_id in chunk
        ]
        activity = ActivityRow(pk, keys.activity_sk(activity_id))
        return _count_once(markers, activity, actions, condition=ActivityRow.pk.exists())

    def _note_activity_error(self, pk: str, activity_id: str, message: str) -> None:
        # The dashboard shows the first errors; later ones stay on their item markers.
        applied(
            ActivityRow(pk, keys.activity_sk(activity_id)).update,
            actions=[ActivityRow.errors.set((ActivityRow.errors | []).append([message[:500]]))],
            condition=ActivityRow.errors.does_not_exist() | (size(ActivityRow.errors) < MAX_ACTIVITY_ERRORS),
        )

    @retry_on_conflict
    def grow_activity(
        self, shop: str, activity_id: str, page_key: str, more: int, final: bool, resume_cursor: str | None
    ) -> bool:
        """An import or upload found ``more`` items on the page ``page_key``; ``final`` when it was
        the last page. Counted once per page however often the page is retried; False if it was."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(pk, keys.activity_item_sk(activity_id, page_key, "page"), succeeded=True)
        actions = [
            ActivityRow.total.add(more),
            ActivityRow.total_final.set(final),
            ActivityRow.progressed_at.set(now()),
            ActivityRow.resume_cursor.set(resume_cursor)
            if resume_cursor
            else ActivityRow.resume_cursor.remove(),
        ]
        return _count_once([marker], ActivityRow(pk, keys.activity_sk(activity_id)), actions)

    def finish_activity_if_done(self, shop: str, activity_id: str, at: datetime) -> bool:
        """Move an ongoing activity to completed once every item is counted; True if this call did."""
        done = (ActivityRow.processed >= ActivityRow.total) & (
            ActivityRow.total_final == True  # noqa: E712 - a DynamoDB condition, not a Python test
        )
        return _end_activity(shop, activity_id, ActivityState.COMPLETED, at, done)

    @retry_on_conflict
    def count_automatic_item(self, activity: Activity, item_id: str) -> bool:
        """An automatic sync adds one item to its period's activity (created on first use, reopened
        if it had completed), once per item however often the item's job is retried."""
        pk = keys.shop_pk(activity.shop)
        marker = ActivityItemRow(
            pk, keys.activity_item_sk(activity.activity_id, item_id, "queued"), succeeded=True
        )
        ongoing = keys.listing_pk(activity.shop, "ACTIVITY", convert.activity_listing(ActivityState.ONGOING))
        started = (activity.started_at or datetime.now(UTC)).isoformat()
        actions = [
            ActivityRow.total.add(1),
            *(
                counter.add(0)
                for counter in (ActivityRow.processed, ActivityRow.succeeded, ActivityRow.failed)
            ),
            ActivityRow.activity_id.set(activity.activity_id),
            ActivityRow.type.set(activity.type.value),
            ActivityRow.state.set(ActivityState.ONGOING.value),
            ActivityRow.total_final.set(True),
            ActivityRow.started_at.set(ActivityRow.started_at | started),
            ActivityRow.finished_at.remove(),
            ActivityRow.progressed_at.set(now()),
            ActivityRow.gsi1pk.set(ongoing),
            ActivityRow.gsi1sk.set(activity.activity_id),
            ActivityRow.gsi2pk.set(keys.listing_pk(activity.shop, "ACTIVITY")),
            ActivityRow.gsi2sk.set(activity.activity_id),
        ]
        return _count_once([marker], ActivityRow(pk, keys.activity_sk(activity.activity_id)), actions)

    def claim_import_source(self, shop: str, activity_id: str, source: str) -> str:
        """Record how an import reads Shopify (``PAGED_IMPORT`` or a bulk operation's id); the first
        recorded stays, and is returned, so that however often an import starts over, it reads and
        counts one source. LookupError when the activity is gone."""
        if applied(
            ActivityRow(keys.shop_pk(shop), keys.activity_sk(activity_id)).update,
            actions=[ActivityRow.import_source.set(source)],
            condition=ActivityRow.pk.exists() & ActivityRow.import_source.does_not_exist(),
        ):
            return source
        recorded = self.import_source_of(shop, activity_id)
        if recorded is None:
            raise LookupError(f"activity {activity_id} has no recorded source")
        return recorded

    def import_source_of(self, shop: str, activity_id: str) -> str | None:
        """The recorded source of an import, None before one is; LookupError when the activity is gone."""
        row = get(ActivityRow, keys.shop_pk(shop), keys.activity_sk(activity_id))
        if row is None:
            raise LookupError(f"activity {activity_id} is gone")
        return row.import_source

    @retry_on_conflict
    def note_bulk_poll(self, shop: str, activity_id: str, poll_key: str, resume_cursor: str) -> bool:
        """One look at the bulk operation an ongoing import waits on: the activity is waiting, not
        stalled, and a resumed run picks the wait up at ``resume_cursor``. True the first time
        ``poll_key`` is noted; False for a repeated delivery of that poll (its follow-up is queued
        already) or when the activity has ended (nothing is written then)."""
        pk = keys.shop_pk(shop)
        marker = ActivityItemRow(pk, keys.activity_item_sk(activity_id, poll_key, "poll"), succeeded=True)
        # The cursor only where none is: a chunk counted meanwhile has moved it past the wait.
        actions = [
            ActivityRow.progressed_at.set(now()),
            ActivityRow.resume_cursor.set(ActivityRow.resume_cursor | resume_cursor),
        ]
        ongoing = ActivityRow.state == ActivityState.ONGOING.value
        try:
            return _count_once([marker], ActivityRow(pk, keys.activity_sk(activity_id)), actions, ongoing)
        except TransactWriteError as error:
            if condition_failed(error, -1):  # the activity ended (or is gone)
                return False
            raise

    def note_activity_resumed(self, shop: str, activity_id: str) -> None:
        """The sweep restarted a stalled activity: its clock starts again, and it counts the restart."""
        ActivityRow(keys.shop_pk(shop), keys.activity_sk(activity_id)).update(
            actions=[ActivityRow.resumes.add(1), ActivityRow.progressed_at.set(now())]
        )

    def fail_activity(self, shop: str, activity_id: str, reason: str, at: datetime) -> bool:
        """End an ongoing activity as failed with the reason; False if it had finished meanwhile."""
        noted = ActivityRow.errors.set((ActivityRow.errors | []).append([reason[:500]]))
        return _end_activity(shop, activity_id, ActivityState.FAILED, at, None, noted)


def _count_once(
    markers: Sequence[ActivityItemRow], activity: ActivityRow, actions: list[Any], condition: Any = None
) -> bool:
    """Update an activity together with markers that exist only once each: False (nothing written)
    when one of them existed, or when the transaction collided with another writer."""
    try:
        with TransactWrite(connection=connection()) as transaction:
            for marker in markers:
                transaction.save(marker, condition=ActivityItemRow.pk.does_not_exist())
            transaction.update(activity, actions=actions, condition=condition)
    except TransactWriteError as error:
        if any(condition_failed(error, index) for index in range(len(markers))):
            return False
        raise
    return True


@retry_on_conflict
def _take_slot(activity: Activity, held_by: str | None) -> bool:
    """Save the activity with its shop's slot of its type, taken from ``held_by`` (None: from
    nobody); False (nothing written) when the slot does not name ``held_by`` any more."""
    slot = RunningActivityRow(
        keys.shop_pk(activity.shop), keys.running_sk(activity.type.value), activity_id=activity.activity_id
    )
    free = (
        RunningActivityRow.pk.does_not_exist()
        if held_by is None
        else RunningActivityRow.activity_id == held_by
    )
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(slot, condition=free)
            transaction.save(convert.activity_to_row(activity))
    except TransactWriteError as error:
        if condition_failed(error, 0):
            return False
        raise
    return True


def _end_activity(
    shop: str, activity_id: str, state: ActivityState, at: datetime, condition: Any, *more: Any
) -> bool:
    """Move an ongoing activity (meeting ``condition`` too) to a finished state, giving its slot
    back if it held one; False if it was not ongoing. A slot not given back (a crash in between)
    names an ended activity, which the next start takes over."""
    ongoing = ActivityRow.state == ActivityState.ONGOING.value
    row = ActivityRow(keys.shop_pk(shop), keys.activity_sk(activity_id))
    ended = applied(
        row.update,
        actions=[
            ActivityRow.state.set(state.value),
            ActivityRow.finished_at.set(at.isoformat()),
            ActivityRow.gsi1pk.set(keys.listing_pk(shop, "ACTIVITY", convert.activity_listing(state))),
            ActivityRow.resume_cursor.remove(),
            *more,
        ],
        condition=ongoing if condition is None else condition & ongoing,
    )
    if ended and ActivityType(row.type) in ONE_AT_A_TIME:
        slot = RunningActivityRow(keys.shop_pk(shop), keys.running_sk(row.type))
        applied(slot.delete, condition=RunningActivityRow.activity_id == activity_id)
    return ended
