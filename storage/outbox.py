"""Delivery state in the database: the outbox of outbound sends, the Bot Framework activities
already handled, and the conversation references proactive sends need (docs/safeguards.md §4, §10).

An outbox row is in one of five states:

- due or waiting: `sent_at` NULL, `lease_until` NULL or past, `leased_by` not "gave-up";
  it is claimable once `next_attempt_at` has come;
- claimed: `lease_until` in the future, `leased_by` the worker holding it;
- sent: `sent_at` set;
- given up: `leased_by` = "gave-up", `lease_until` NULL, `last_error` starting "gave up:";
- cancelled: `cancelled_at` set, its content erased, `last_error` starting "cancelled:" with
  the reason it was dropped (what it depended on had gone, docs/safeguards.md §11). Never sent.

Time is an input: every method takes the moment it acts at, a timezone-aware datetime.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update

from panel.delivery import GAVE_UP_PREFIX, Delivery, Progress
from storage import schema
from storage.crypto import CipherError
from storage.mapping import aware, to_utc
from storage.queueing import insert_message, upsert_statement
from storage.unit_of_work import Store

GAVE_UP = "gave-up"  # `leased_by` of a message no worker will claim again
CANCELLED_PREFIX = "cancelled: "
ERROR_LENGTH = 500  # schema.outbox.c.last_error
WORKER_LENGTH = 64  # schema.outbox.c.leased_by


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    key: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    # Set when an earlier send may or may not have arrived: from then, look before sending again.
    unconfirmed_since: datetime | None = None
    queued_for: dict[str, Any] | None = None  # what it depends on (panel/relevance.py)
    queued_at: datetime | None = None


@dataclass(frozen=True)
class FailedMessage:
    """A message given up on, for business support: what and to whom, never the payload."""

    id: int
    key: str
    recipient: str
    kind: str
    attempts: int
    last_error: str
    last_attempt_at: datetime


def _message_number(message_id: str | None) -> int | None:
    try:
        return int(message_id or "")
    except ValueError:
        return None


def _delivery_of(row: Any) -> Delivery:
    """An outbox row's state, as business support's desk shows it (panel/delivery.py)."""
    problem = (row.last_error or "").removeprefix(GAVE_UP_PREFIX).removeprefix(CANCELLED_PREFIX)
    if row.cancelled_at is not None:
        progress, at = Progress.DROPPED, row.cancelled_at
    elif row.sent_at is not None:
        progress = Progress.READ if row.read_at is not None else Progress.DELIVERED
        at, problem = row.read_at or row.sent_at, ""
    elif row.leased_by == GAVE_UP:
        progress, at = Progress.GAVE_UP, row.next_attempt_at
    else:
        progress, at = (Progress.RETRYING if row.attempts else Progress.WAITING), None
    return Delivery(
        row.idempotency_key,
        row.recipient,
        row.kind,
        progress,
        row.attempts,
        problem,
        aware(row.next_attempt_at) if progress is Progress.RETRYING else None,
        None if at is None else aware(at),
    )


def _check_worker(worker: str) -> None:
    if not worker or len(worker) > WORKER_LENGTH or worker == GAVE_UP:
        raise ValueError(f"A worker name is 1 to {WORKER_LENGTH} characters and not {GAVE_UP!r}.")


def _summary(error: str, *, gave_up: bool) -> str:
    text = " ".join(error.split())  # one line, whatever the caller passed
    return ((GAVE_UP_PREFIX if gave_up else "") + text)[:ERROR_LENGTH]


class Outbox:
    """Durable outbound sends: enqueued with an idempotency key, claimed under a lease,
    marked sent or failed by the worker that holds the lease."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store.engine
        self._cipher = store.cipher
        self._locking = store.locking

    async def enqueue(
        self,
        key: str,
        recipient: str,
        kind: str,
        payload: Mapping[str, object],
        now: datetime,
        queued_for: Mapping[str, object] | None = None,
    ) -> bool:
        """Add a message due now; False if a message with this key was already enqueued."""
        async with self._store.writing() as conn:
            return await insert_message(
                conn, self._cipher, key, recipient, kind, payload, now, queued_for
            )

    async def claim(
        self, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[OutboxMessage]:
        """Lease up to `limit` due messages to `worker`, oldest first.

        A message whose lease runs out before it is marked sent or failed becomes claimable
        again (the worker is presumed dead), so a lease must outlast one send with its retries.
        """
        _check_worker(worker)
        if limit < 1 or lease <= timedelta(0):
            raise ValueError("Claim at least one message, for a positive lease.")
        at = to_utc(now)
        t = schema.outbox
        due = (
            select(
                t.c.id,
                t.c.idempotency_key,
                t.c.recipient,
                t.c.kind,
                t.c.payload_enc,
                t.c.attempts,
                t.c.unconfirmed_since,
                t.c.queued_for,
                t.c.queued_at,
            )
            .where(
                t.c.sent_at.is_(None),
                t.c.cancelled_at.is_(None),
                t.c.next_attempt_at <= at,
                or_(t.c.lease_until.is_(None), t.c.lease_until <= at),
                or_(t.c.leased_by.is_(None), t.c.leased_by != GAVE_UP),
            )
            .order_by(t.c.id)
            .limit(limit)
        )
        if self._locking:
            # PostgreSQL: rows another worker's claim has locked are skipped, not waited for,
            # and a row leased by a claim that committed meanwhile is re-checked against the
            # WHERE clause under READ COMMITTED and dropped. Two workers never get one row.
            due = due.with_for_update(skip_locked=True)
        # SQLite has no row locks: the engine opens every transaction with BEGIN IMMEDIATE
        # (storage/engine.py), which takes the database's single write lock before the SELECT.
        # So this select-then-update runs alone, and the next claim sees the new leases.
        async with self._store.writing() as conn:
            rows = (await conn.execute(due)).all()
            if not rows:
                return []
            claimed: list[OutboxMessage] = []
            unreadable: list[int] = []
            for row in rows:
                try:
                    payload = json.loads(self._cipher.decrypt(row.payload_enc))
                except (CipherError, ValueError):
                    payload = None
                if not isinstance(payload, dict):
                    unreadable.append(row.id)
                    continue
                since = row.unconfirmed_since
                claimed.append(
                    OutboxMessage(
                        row.id,
                        row.idempotency_key,
                        row.recipient,
                        row.kind,
                        payload,
                        row.attempts,
                        None if since is None else aware(since),
                        dict(row.queued_for) if isinstance(row.queued_for, dict) else None,
                        None if row.queued_at is None else aware(row.queued_at),
                    )
                )
            if claimed:
                await conn.execute(
                    update(t)
                    .where(t.c.id.in_([m.id for m in claimed]))
                    .values(lease_until=at + lease, leased_by=worker)
                )
            if unreadable:
                # One message no configured key can read must not block every send behind it:
                # it is given up and listed for business support, and the others go out.
                await conn.execute(
                    update(t)
                    .where(t.c.id.in_(unreadable))
                    .values(
                        leased_by=GAVE_UP,
                        lease_until=None,
                        next_attempt_at=at,
                        last_error=_summary(
                            "the payload cannot be read with the configured keys", gave_up=True
                        ),
                    )
                )
            return claimed

    async def mark_sent(
        self, message_id: int, worker: str, now: datetime, teams_message_id: str | None = None
    ) -> bool:
        """Record the send, with the id Teams gave the message (for its read receipt); False if
        `worker` no longer holds the message (another claimed it).

        A lease that ran out with nobody else claiming still counts as held: the message went
        out, and recording that prevents a duplicate send.
        """
        return await self._update_held(
            message_id,
            worker,
            sent_at=to_utc(now),
            lease_until=None,
            unconfirmed_since=None,
            teams_message_id=(teams_message_id or None) and teams_message_id[:100],
        )

    async def mark_read(self, recipient: str, last_read_message_id: str, now: datetime) -> int:
        """A read receipt: the person has read their 1:1 chat up to that message. Every message
        sent to them with an id up to it counts as read; how many were newly marked.

        Teams' message ids in a chat are increasing numbers (epoch milliseconds); an id that is
        not a number covers nothing, rather than guessing."""
        last = _message_number(last_read_message_id)
        if last is None:
            return 0
        t = schema.outbox
        async with self._store.writing() as conn:
            rows = (
                await conn.execute(
                    select(t.c.id, t.c.teams_message_id).where(
                        t.c.recipient == recipient,
                        t.c.sent_at.is_not(None),
                        t.c.read_at.is_(None),
                        t.c.teams_message_id.is_not(None),
                    )
                )
            ).all()
            covered = [
                r.id
                for r in rows
                if (number := _message_number(r.teams_message_id)) is not None and number <= last
            ]
            if covered:
                await conn.execute(update(t).where(t.c.id.in_(covered)).values(read_at=to_utc(now)))
            return len(covered)

    async def deliveries(self, key_prefix: str, limit: int = 500) -> list[Delivery]:
        """Where each message whose key starts with `key_prefix` has got to, oldest first;
        never the content. (Keys name what a message is about: "circulation:<meeting>:".)"""
        return await self._deliveries(
            schema.outbox.c.idempotency_key.startswith(key_prefix, autoescape=True), limit=limit
        )

    async def not_delivered(self, limit: int = 500) -> list[Delivery]:
        """Every message still on its way or given up on, oldest first (dropped ones are not:
        nobody needs them any more)."""
        t = schema.outbox
        return await self._deliveries(
            t.c.sent_at.is_(None), t.c.cancelled_at.is_(None), limit=limit
        )

    async def _deliveries(self, *where: ColumnElement[bool], limit: int) -> list[Delivery]:
        t = schema.outbox
        query = (
            select(
                t.c.idempotency_key,
                t.c.recipient,
                t.c.kind,
                t.c.attempts,
                t.c.last_error,
                t.c.leased_by,
                t.c.next_attempt_at,
                t.c.sent_at,
                t.c.read_at,
                t.c.cancelled_at,
            )
            .where(*where)
            .order_by(t.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_delivery_of(r) for r in rows]

    async def _update_held(self, message_id: int, worker: str, **values: Any) -> bool:
        """Change a message `worker` holds and has not sent; False (nothing changed) if it
        no longer holds it."""
        _check_worker(worker)
        t = schema.outbox
        async with self._store.writing() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.id == message_id, t.c.leased_by == worker, t.c.sent_at.is_(None))
                .values(values)
            )
            return result.rowcount == 1

    async def begin(self, message_id: int, worker: str, now: datetime) -> bool:
        """Record, before a send, that its outcome is not yet known; False (change nothing, send
        nothing) if `worker` no longer holds the message.

        Committed before the request leaves, so if this worker dies mid-send, whoever takes the
        message over knows to look for it in the conversation before sending it again. The
        earliest such moment is kept: a message may have arrived on any attempt since.
        """
        column = schema.outbox.c.unconfirmed_since
        return await self._update_held(
            message_id, worker, unconfirmed_since=func.coalesce(column, to_utc(now))
        )

    async def release(self, worker: str, now: datetime) -> int:
        """Hand back the unsent messages `worker` holds (it is stopping), due at once; and stop
        counting it among the live workers."""
        _check_worker(worker)
        t = schema.outbox
        async with self._store.writing() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.leased_by == worker, t.c.sent_at.is_(None))
                .values(leased_by=None, lease_until=None, next_attempt_at=to_utc(now))
            )
            workers = schema.delivery_workers
            await conn.execute(delete(workers).where(workers.c.worker == worker))
            return result.rowcount

    async def heartbeat(self, worker: str, now: datetime, alive: timedelta) -> int:
        """Note `worker` is alive; how many workers were seen within `alive` (itself included).
        Workers not seen for an hour are forgotten."""
        _check_worker(worker)
        t = schema.delivery_workers
        at = to_utc(now)
        upsert = upsert_statement(self._engine, t).values(worker=worker, seen_at=at)
        upsert = upsert.on_conflict_do_update(index_elements=[t.c.worker], set_={"seen_at": at})
        async with self._store.writing() as conn:
            await conn.execute(upsert)
            await conn.execute(delete(t).where(t.c.seen_at < at - timedelta(hours=1)))
            count = select(func.count()).select_from(t).where(t.c.seen_at > at - alive)
            return max(1, int((await conn.execute(count)).scalar_one()))

    async def cancel(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        """Drop a message whose reason has gone (docs/safeguards.md §11): never sent, its content
        erased at once (it may hold case detail nobody needs now), the reason kept for business
        support. False if `worker` no longer holds it."""
        at = to_utc(now)
        return await self._update_held(
            message_id,
            worker,
            cancelled_at=at,
            lease_until=None,
            last_error=(CANCELLED_PREFIX + " ".join(reason.split()))[:ERROR_LENGTH],
            payload_enc=self._cipher.encrypt("{}"),
            content_erased_at=at,
        )

    async def mark_failed(
        self,
        message_id: int,
        worker: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
        unconfirmed_since: datetime | None = None,
    ) -> bool:
        """Count a failed attempt: retry at `retry_at`, or give up for good when it is None.

        `error` is the caller's summary (status code, reason): never the payload or any text
        from it, because it is stored in the clear and shown to business support.
        `unconfirmed_since` is the first attempt that may still have arrived (None when every
        attempt so far is known to have failed).
        Returns False, changing nothing, if `worker` no longer holds the message.
        """
        t = schema.outbox
        gave_up = retry_at is None
        changes: dict[str, Any] = {
            "attempts": t.c.attempts + 1,
            "lease_until": None,
            "last_error": _summary(error, gave_up=gave_up),
            "unconfirmed_since": None if unconfirmed_since is None else to_utc(unconfirmed_since),
        }
        if retry_at is None:
            # next_attempt_at keeps the moment of the last attempt, for the failed() listing.
            changes.update(leased_by=GAVE_UP, next_attempt_at=to_utc(now))
        else:
            changes.update(leased_by=None, next_attempt_at=to_utc(retry_at))
        return await self._update_held(message_id, worker, **changes)

    async def failed(self, limit: int = 100) -> list[FailedMessage]:
        """Messages given up on, newest first, without their payloads."""
        return await self._given_up(newest_first=True, limit=limit)

    async def unreported(self, limit: int = 500) -> list[FailedMessage]:
        """Messages given up on that business support have not yet been told of, oldest first."""
        return await self._given_up(
            schema.outbox.c.reported_at.is_(None), newest_first=False, limit=limit
        )

    async def _given_up(
        self, *also: ColumnElement[bool], newest_first: bool, limit: int
    ) -> list[FailedMessage]:
        t = schema.outbox
        query = (
            select(
                t.c.id,
                t.c.idempotency_key,
                t.c.recipient,
                t.c.kind,
                t.c.attempts,
                t.c.last_error,
                t.c.next_attempt_at,
            )
            .where(t.c.sent_at.is_(None), t.c.leased_by == GAVE_UP, *also)
            .order_by(t.c.id.desc() if newest_first else t.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            FailedMessage(
                r.id,
                r.idempotency_key,
                r.recipient,
                r.kind,
                r.attempts,
                r.last_error or "",
                aware(r.next_attempt_at),
            )
            for r in rows
        ]

    async def mark_reported(self, message_ids: list[int], now: datetime) -> int:
        """Record that business support were told of these given-up messages; how many."""
        if not message_ids:
            return 0
        t = schema.outbox
        async with self._store.writing() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.id.in_(message_ids), t.c.reported_at.is_(None))
                .values(reported_at=to_utc(now))
            )
            return result.rowcount

    async def pending_count(self) -> int:
        """Messages not yet sent and not given up: waiting, due or claimed."""
        t = schema.outbox
        query = (
            select(func.count())
            .select_from(t)
            .where(
                t.c.sent_at.is_(None),
                t.c.cancelled_at.is_(None),
                or_(t.c.leased_by.is_(None), t.c.leased_by != GAVE_UP),
            )
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())


class ProcessedActivities:
    """Bot Framework activity ids already handled, so a Teams re-delivery is harmless
    (docs/safeguards.md §4)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store.engine

    async def first_time(self, activity_id: str, now: datetime) -> bool:
        """Record the id; True the first time it is seen, False for every re-delivery."""
        t = schema.processed_activities
        statement = (
            upsert_statement(self._engine, t)
            .values(activity_id=activity_id, processed_at=to_utc(now))
            .on_conflict_do_nothing(index_elements=[t.c.activity_id])
        )
        async with self._store.writing() as conn:
            result = await conn.execute(statement)
            return result.rowcount == 1

    async def forget_before(self, cutoff: datetime) -> int:
        """Prune ids processed before `cutoff` (Teams re-delivers within minutes); the count."""
        t = schema.processed_activities
        async with self._store.writing() as conn:
            result = await conn.execute(delete(t).where(t.c.processed_at < to_utc(cutoff)))
            return result.rowcount


class ConversationReferences:
    """Where proactive messages go: one reference per person (or "channel:<panel id>")."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store.engine

    async def save(
        self, tenant_id: str, person_id: str, reference: Mapping[str, object], now: datetime
    ) -> None:
        """Insert or replace the reference, which Teams may change (e.g. a new service URL)."""
        t = schema.conversation_references
        value = dict(reference)
        at = to_utc(now)
        statement = upsert_statement(self._engine, t).values(
            tenant_id=tenant_id, person_id=person_id, reference=value, updated_at=at
        )
        statement = statement.on_conflict_do_update(
            index_elements=[t.c.tenant_id, t.c.person_id],
            set_={"reference": value, "updated_at": at},
        )
        async with self._store.writing() as conn:
            await conn.execute(statement)

    async def get(self, tenant_id: str, person_id: str) -> dict[str, Any] | None:
        t = schema.conversation_references
        query = select(t.c.reference).where(t.c.tenant_id == tenant_id, t.c.person_id == person_id)
        async with self._engine.connect() as conn:
            found = (await conn.execute(query)).scalar_one_or_none()
        return None if found is None else dict(found)
