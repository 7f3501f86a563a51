"""In-memory adapters for the panel's ports: enough to run a whole cycle with no I/O."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Self

from panel.cases import Case
from panel.errors import NotFound
from panel.lifecycle import BEFORE_PANEL, TERMINAL, Status
from panel.meeting import Meeting
from panel.ports import AuditEntry, ChannelNotice, DirectMessage
from panel.roster import Panel


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


class FakePanels:
    def __init__(self, *panels: Panel) -> None:
        self._panels = {p.id: p for p in panels}

    def get(self, panel_id: str) -> Panel:
        try:
            return self._panels[panel_id]
        except KeyError:
            raise NotFound("That panel does not exist.") from None


class FakeCases:
    def __init__(self, store: dict[str, Case]) -> None:
        self.store = store

    async def add(self, case: Case) -> None:
        self.store[case.id] = case

    async def get(self, case_id: str) -> Case:
        try:
            return self.store[case_id]
        except KeyError:
            raise NotFound("That case does not exist.") from None

    async def waiting_for_agenda(self, panel_id: str) -> list[Case]:
        return [c for c in self.store.values() if c.panel_id == panel_id and c.waiting_for_agenda]

    async def active_with_reference(self, panel_id: str, reference: str) -> Case | None:
        return next(
            (
                c
                for c in self.store.values()
                if c.panel_id == panel_id and c.reference == reference and c.status not in TERMINAL
            ),
            None,
        )

    async def before_panel(self, panel_id: str) -> list[Case]:
        return sorted(
            (c for c in self.store.values() if c.panel_id == panel_id and c.status in BEFORE_PANEL),
            key=lambda c: c.referred_at,
        )

    async def tracking(self, panel_id: str) -> list[Case]:
        return [
            c for c in self.store.values() if c.panel_id == panel_id and c.status is Status.TRACKING
        ]


class FakeMeetings:
    def __init__(self, store: dict[str, Meeting]) -> None:
        self.store = store

    async def add(self, meeting: Meeting) -> None:
        self.store[meeting.id] = meeting

    async def get(self, meeting_id: str) -> Meeting:
        try:
            return self.store[meeting_id]
        except KeyError:
            raise NotFound("That panel meeting does not exist.") from None

    async def on_date(self, panel_id: str, panel_date: date) -> Meeting | None:
        return next(
            (
                m
                for m in self.store.values()
                if m.panel_id == panel_id and m.panel_date == panel_date
            ),
            None,
        )


@dataclass
class FakeStore:
    """What has been committed: the fake's "database"."""

    cases: dict[str, Case] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    commits: int = 0


class FakeAudit:
    def __init__(self) -> None:
        self.pending: list[AuditEntry] = []

    async def add(self, entry: AuditEntry) -> None:
        self.pending.append(entry)


class FakeUnitOfWork:
    """Works on deep copies and publishes them on commit, so a failed use case changes nothing,
    as a rolled-back database transaction would."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.cases = FakeCases({})
        self.meetings = FakeMeetings({})
        self.audit = FakeAudit()

    async def __aenter__(self) -> Self:
        await self.rollback()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        self.store.cases = self.cases.store
        self.store.meetings = self.meetings.store
        self.store.audit.extend(self.audit.pending)
        self.store.commits += 1
        await self.rollback()

    async def rollback(self) -> None:
        self.cases = FakeCases(copy.deepcopy(self.store.cases))
        self.meetings = FakeMeetings(copy.deepcopy(self.store.meetings))
        self.audit = FakeAudit()


@dataclass
class FakeNotifier:
    """Keeps a transcript of what the bot would have sent; delivers each key once."""

    direct_messages: list[DirectMessage] = field(default_factory=list)
    notices: list[ChannelNotice] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    async def direct(self, message: DirectMessage) -> None:
        if message.key not in self.keys:
            self.keys.add(message.key)
            self.direct_messages.append(message)

    async def channel(self, notice: ChannelNotice) -> None:
        if notice.key not in self.keys:
            self.keys.add(notice.key)
            self.notices.append(notice)

    def to(self, person_id: str) -> list[DirectMessage]:
        return [m for m in self.direct_messages if m.person_id == person_id]
