"""Repositories and the unit of work over SQLAlchemy Core, implementing `panel.ports`.

Aggregates are loaded whole (no lazy loading across the async boundary) and their rows are
snapshotted; on commit only rows that changed are written, encrypted on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Table, and_, delete, insert, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from panel.cases import Case
from panel.errors import Conflict, NotFound, Unavailable
from panel.lifecycle import BEFORE_PANEL, TERMINAL, Status
from panel.meeting import Meeting, MeetingStatus
from panel.messages import Message
from panel.outcomes import Decision
from panel.ports import AuditEntry
from storage import audit as audit_chain
from storage import schema
from storage.crypto import FieldCipher
from storage.mapping import (
    CASE_TABLES,
    KEYS,
    MEETING_TABLES,
    Row,
    Rows,
    aware,
    case_from_rows,
    case_to_rows,
    decision_from_rows,
    keyed,
    meeting_from_rows,
    meeting_to_rows,
    to_utc,
)
from storage.queueing import insert_message, upsert_statement

TABLES: dict[str, Table] = {t.name: t for t in schema.metadata.sorted_tables}
_TERMINAL = [s.value for s in TERMINAL]


ENCRYPTED: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in table.columns if c.name.endswith("_enc"))
    for name, table in TABLES.items()
}


def _encrypted(table: str) -> tuple[str, ...]:
    return ENCRYPTED[table]


UNAVAILABLE = (
    "Nothing was saved: I cannot write to the panel's records just now. Please try again in a "
    "few minutes; if it goes on, tell business support."
)


class Store:
    """What the unit of work needs: an engine and the cipher. One per process."""

    def __init__(self, engine: AsyncEngine, cipher: FieldCipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.locking = engine.dialect.name == "postgresql"
        # The SQLite file as opened: deleted or replaced under a running process, writes would
        # go on "succeeding" into a file nobody will read again.
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        self._file = Path(path) if path and path != ":memory:" else None
        self._identity = self._file_identity()
        # SQLite has one writer. Transactions of this process queue on a lock instead of
        # contending for the file, where SQLite's busy handler sleeps up to 100 ms per retry.
        self.sqlite_writer = None if self.locking else asyncio.Lock()
        # Called after a commit that queued messages (app.py: wake the delivery worker).
        self.on_messages: Callable[[], None] = lambda: None

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)

    def _file_identity(self) -> tuple[int, int] | None:
        if self._file is None:
            return None
        try:
            found = self._file.stat()
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino

    def check_file(self) -> None:
        """Refuse to write when the SQLite file is not the one this process opened."""
        if self._file is not None and self._file_identity() != self._identity:
            raise Unavailable(UNAVAILABLE)

    async def probe(self, now: datetime) -> None:
        """Write one row and commit: raises when the database cannot be written."""
        self.check_file()
        t = schema.health_probe
        at = to_utc(now)
        statement = upsert_statement(self.engine, t).values(id=1, at=at)
        statement = statement.on_conflict_do_update(index_elements=[t.c.id], set_={"at": at})
        async with self.writing() as conn:
            await conn.execute(statement)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction outside a unit of work (the outbox, delivery state). On SQLite
        it queues on the same in-process lock as units of work, because SQLite's own busy
        handler sleeps up to 100 ms between tries when concurrent sends contend for the file."""
        if self.sqlite_writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self.sqlite_writer, self.engine.begin() as conn:
            yield conn


class _Session:
    """One transaction's connection plus the rows it loaded."""

    def __init__(self, store: Store, conn: AsyncConnection) -> None:
        self.store = store
        self.conn = conn
        self.cases: dict[str, tuple[Case, Rows]] = {}
        self.meetings: dict[str, tuple[Meeting, Rows]] = {}
        self.audit: list[AuditEntry] = []
        self.outgoing: list[tuple[Message, datetime]] = []

    # -- reading --

    async def rows(self, table: str, column: str, value: Any, *, lock: bool = False) -> list[Row]:
        t = TABLES[table]
        query = select(t).where(t.c[column] == value)
        if lock and self.store.locking:
            query = query.with_for_update()
        result = await self.conn.execute(query)
        return [self._decrypt(table, dict(r._mapping)) for r in result]

    def _decrypt(self, table: str, row: Row) -> Row:
        # SQLite hands back naive UTC datetimes; made aware here, a loaded row equals the row
        # its aggregate maps to, so an unchanged aggregate writes nothing on commit.
        for column, value in row.items():
            if isinstance(value, datetime):
                row[column] = aware(value)
        for column in _encrypted(table):
            if row[column] is not None:
                row[column] = self.store.cipher.decrypt(row[column])
        return row

    def _encrypt(self, table: str, row: Row) -> Row:
        """The row as stored: encrypted fields, and times in UTC (SQLite keeps no offset, so a
        Europe/London time written in summer would read back an hour out)."""
        out: Row = {k: to_utc(v) if isinstance(v, datetime) else v for k, v in row.items()}
        for column in _encrypted(table):
            value = out.get(column)
            if value is not None:
                out[column] = self.store.cipher.encrypt(str(value))
        return out

    # -- writing --

    async def sync(self, tables: Sequence[str], old: Rows, new: Rows) -> None:
        """Write the difference between two row sets: parents first, children deleted first."""
        for table in reversed(tables):
            gone = old.get(table, {}).keys() - new.get(table, {}).keys()
            for key in gone:
                await self.conn.execute(delete(TABLES[table]).where(self._match(table, key)))
        for table in tables:
            before, after = old.get(table, {}), new.get(table, {})
            for key, row in after.items():
                if key not in before:
                    await self.conn.execute(insert(TABLES[table]).values(self._encrypt(table, row)))
                elif before[key] != row:
                    changed = {c: v for c, v in row.items() if before[key].get(c) != v}
                    await self.conn.execute(
                        update(TABLES[table])
                        .where(self._match(table, key))
                        .values(self._encrypt(table, changed))
                    )

    @staticmethod
    def _match(table: str, key: tuple[Any, ...]) -> Any:
        t = TABLES[table]
        return and_(*(t.c[name] == value for name, value in zip(KEYS[table], key, strict=True)))

    async def flush(self) -> None:
        for case, old in self.cases.values():
            new = case_to_rows(case)
            new["cases"][(case.id,)]["reference_hash"] = self.store.cipher.lookup_hash(
                case.reference
            )
            if case.status is Status.CLOSED:
                # The retention clock starts at the close transition, not at the write.
                new["cases"][(case.id,)]["closed_at"] = case.history[-1].at
            self._keep_storage_only_columns(old, new, "cases", (case.id,))
            await self.sync(CASE_TABLES, old, new)
            self.cases[case.id] = (case, new)
        for meeting, old in self.meetings.values():
            new = meeting_to_rows(meeting)
            await self.sync(MEETING_TABLES, old, new)
            self.meetings[meeting.id] = (meeting, new)
        # Last, so the chain's lock (PostgreSQL) is held only until the commit that follows.
        await audit_chain.append(
            self.conn, self.store.cipher, self.audit, locking=self.store.locking
        )
        self.audit.clear()

    @staticmethod
    def _keep_storage_only_columns(old: Rows, new: Rows, table: str, key: tuple[Any, ...]) -> None:
        """Columns the domain does not carry (retention, hashes) keep their stored values."""
        before = old.get(table, {}).get(key)
        if before is None:
            return
        for column, value in before.items():
            new[table][key].setdefault(column, value)


class SqlCases:
    def __init__(self, session: _Session) -> None:
        self._s = session

    async def add(self, case: Case) -> None:
        self._s.cases[case.id] = (case, {})

    async def get(self, case_id: str) -> Case:
        if case_id in self._s.cases:
            return self._s.cases[case_id][0]
        head = await self._s.rows("cases", "id", case_id, lock=True)
        if not head or head[0]["anonymised_at"] is not None:
            raise NotFound("That case does not exist.")
        rows: Rows = {"cases": keyed("cases", head)}
        for table in CASE_TABLES[1:]:
            rows[table] = keyed(table, await self._s.rows(table, "case_id", case_id))
        case = case_from_rows(rows)
        self._s.cases[case_id] = (case, rows)
        return case

    async def _ids(self, *where: Any) -> list[str]:
        t = schema.cases
        query = select(t.c.id).where(t.c.anonymised_at.is_(None), *where).order_by(t.c.referred_at)
        return [r.id for r in await self._s.conn.execute(query)]

    async def waiting_for_agenda(self, panel_id: str) -> list[Case]:
        waiting = [
            s.value for s in (Status.LISTED, Status.ROLLED_OVER, Status.STUCK, Status.DUE_REVIEW)
        ]
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id, schema.cases.c.status.in_(waiting)
        )
        return [await self.get(i) for i in ids]

    async def active_with_reference(self, panel_id: str, reference: str) -> Case | None:
        digest = self._s.store.cipher.lookup_hash(reference)
        for case, _ in self._s.cases.values():
            if (
                case.panel_id == panel_id
                and case.reference == reference
                and case.status not in TERMINAL
            ):
                return case
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id,
            schema.cases.c.reference_hash == digest,
            schema.cases.c.status.not_in(_TERMINAL),
        )
        return await self.get(ids[0]) if ids else None

    async def before_panel(self, panel_id: str) -> list[Case]:
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id,
            schema.cases.c.status.in_([s.value for s in BEFORE_PANEL]),
        )
        return [await self.get(i) for i in ids]

    async def tracking(self, panel_id: str) -> list[Case]:
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id, schema.cases.c.status == Status.TRACKING.value
        )
        return [await self.get(i) for i in ids]

    async def with_reference(self, panel_id: str, reference: str) -> list[Case]:
        digest = self._s.store.cipher.lookup_hash(reference)
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id, schema.cases.c.reference_hash == digest
        )
        return [await self.get(i) for i in ids]

    async def escalated(self, panel_id: str) -> list[Case]:
        ids = await self._ids(
            schema.cases.c.panel_id == panel_id, schema.cases.c.escalation_enc.is_not(None)
        )
        return [await self.get(i) for i in ids]


class SqlMeetings:
    def __init__(self, session: _Session) -> None:
        self._s = session

    async def add(self, meeting: Meeting) -> None:
        self._s.meetings[meeting.id] = (meeting, {})

    async def get(self, meeting_id: str) -> Meeting:
        if meeting_id in self._s.meetings:
            return self._s.meetings[meeting_id][0]
        # Locking the meeting row serialises every change to one sitting (votes, answers,
        # sign-ins) on PostgreSQL; SQLite's BEGIN IMMEDIATE does the same for the whole file.
        head = await self._s.rows("meetings", "id", meeting_id, lock=True)
        if not head:
            raise NotFound("That panel meeting does not exist.")
        rows: Rows = {"meetings": keyed("meetings", head)}
        for table in MEETING_TABLES[1:]:
            if table == "votes":
                continue
            rows[table] = keyed(table, await self._s.rows(table, "meeting_id", meeting_id))
        round_ids = [k[0] for k in rows["vote_rounds"]]
        rows["votes"] = {}
        if round_ids:
            t = schema.votes
            result = await self._s.conn.execute(select(t).where(t.c.round_id.in_(round_ids)))
            rows["votes"] = keyed("votes", [dict(r._mapping) for r in result])
        decided: dict[str, Decision] = {}
        for d in await self._s.rows("decisions", "meeting_id", meeting_id):
            actions = await self._s.rows("actions", "case_id", d["case_id"])
            decided[d["case_id"]] = decision_from_rows(d, actions)
        meeting = meeting_from_rows(rows, decided)
        self._s.meetings[meeting_id] = (meeting, rows)
        return meeting

    async def on_date(self, panel_id: str, panel_date: date) -> Meeting | None:
        for meeting, _ in self._s.meetings.values():
            if meeting.panel_id == panel_id and meeting.panel_date == panel_date:
                return meeting
        t = schema.meetings
        found = await self._s.conn.execute(
            select(t.c.id).where(t.c.panel_id == panel_id, t.c.panel_date == panel_date)
        )
        row = found.first()
        return None if row is None else await self.get(row.id)

    async def listing(self, case_id: str) -> list[Meeting]:
        t, items, overflow = schema.meetings, schema.agenda_items, schema.agenda_overflow
        on_agenda = select(items.c.meeting_id).where(items.c.case_id == case_id)
        rolled = select(overflow.c.meeting_id).where(overflow.c.case_id == case_id)
        found = await self._s.conn.execute(
            select(t.c.id)
            .where(
                t.c.status != MeetingStatus.CLOSED.value,
                or_(t.c.id.in_(on_agenda), t.c.id.in_(rolled)),
            )
            .order_by(t.c.panel_date)
        )
        return [await self.get(row.id) for row in found.all()]


class SqlAudit:
    def __init__(self, session: _Session) -> None:
        self._s = session

    async def add(self, entry: AuditEntry) -> None:
        self._s.audit.append(entry)

    async def for_case(self, case_id: str) -> list[AuditEntry]:
        t = schema.audit_log
        rows = await self._s.conn.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.id))
        return [
            AuditEntry(
                aware(r.at), r.actor, r.tenant, r.panel_id, r.case_id, r.action, r.allowed, r.reason
            )
            for r in rows
        ]


class SqlUnitOfWork:
    """One transaction. Not shared: each use case asks the store for a new one."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._conn: AsyncConnection | None = None
        self._session: _Session | None = None

    @property
    def cases(self) -> SqlCases:
        return SqlCases(self._require())

    @property
    def meetings(self) -> SqlMeetings:
        session = self._require()
        return SqlMeetings(session)

    @property
    def audit(self) -> SqlAudit:
        return SqlAudit(self._require())

    def _require(self) -> _Session:
        if self._session is None:
            raise RuntimeError("Use the unit of work inside 'async with'.")
        return self._session

    async def __aenter__(self) -> Self:
        if self._store.sqlite_writer is not None:
            await self._store.sqlite_writer.acquire()
        try:
            self._conn = await self._store.engine.connect()
            await self._conn.begin()
        except DBAPIError as error:
            await self.__aexit__(None, None, None)
            raise Unavailable(UNAVAILABLE) from error
        self._session = _Session(self._store, self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            try:
                if self._conn is not None:
                    await self._conn.close()
            finally:
                self._conn = self._session = None
                if self._store.sqlite_writer is not None:
                    self._store.sqlite_writer.release()

    def send(self, message: Message, at: datetime) -> None:
        self._require().outgoing.append((message, at))

    async def commit(self) -> None:
        session = self._require()
        try:
            self._store.check_file()
            await session.flush()
            for message, at in session.outgoing:
                await insert_message(
                    session.conn,
                    self._store.cipher,
                    message.key,
                    message.recipient,
                    message.kind.value,
                    message.payload,
                    at,
                    None if message.queued_for is None else message.queued_for.to_json(),
                )
            await session.conn.commit()  # the next statement, if any, begins a new transaction
        except IntegrityError as error:
            # Two people (or a person and the scheduler) made the same change at once, e.g. the
            # sitting for a date created twice: the first stands, the second is told so plainly
            # instead of meeting a 500.
            await session.conn.rollback()
            self._session = _Session(self._store, session.conn)
            raise Conflict(
                "Someone else changed this at the same moment. Nothing was saved; please look "
                "again and try once more if it is still needed."
            ) from error
        except (DBAPIError, Unavailable) as error:
            # Read-only, gone or down: said plainly, never reported as saved
            # (docs/safeguards.md §12).
            with contextlib.suppress(DBAPIError):
                await session.conn.rollback()
            self._session = _Session(self._store, session.conn)
            if isinstance(error, Unavailable):
                raise
            raise Unavailable(UNAVAILABLE) from error
        self._session = _Session(self._store, session.conn)
        if session.outgoing:
            self._store.on_messages()

    async def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction():
            await self._conn.rollback()
