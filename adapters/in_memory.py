"""In-memory adapters for the panel's ports: enough to run a whole cycle with no I/O.

They serve the tests (the panel's rules, the bot's handlers, the scheduler) and the simulation
(benchmarks/simulate_year.py, a year of panels in simulated time), which is why they live here
and not under tests/: production code and benchmarks never import tests/. app.py does not wire
them; the `Fake` names say they stand in for the clock, the configuration and the database.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Generic, Self, TypeVar

from panel.cases import Case
from panel.errors import NotFound
from panel.lifecycle import BEFORE_PANEL, TERMINAL, Status
from panel.meeting import Meeting, MeetingStatus
from panel.messages import ChannelNotice, DirectMessage
from panel.ports import AuditEntry, Notifier
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


T = TypeVar("T")


class _Working(Generic[T]):
    """Copy-on-read over the committed aggregates: a use case works on deep copies of what it
    reads, published on commit, so a failed use case changes nothing (as a rolled-back
    transaction) and a query costs only the aggregates it returns."""

    def __init__(self, committed: dict[str, T], missing: str, copies: bool = True) -> None:
        self.committed, self._missing, self._copies = committed, missing, copies
        self.working: dict[str, T] = {}

    def put(self, key: str, item: T) -> None:
        self.working[key] = item

    def get(self, key: str) -> T:
        if key not in self.working:
            if key not in self.committed:
                raise NotFound(self._missing)
            original = self.committed[key]
            # A pickle round trip is a deep copy, several times faster than copy.deepcopy on
            # these dataclasses.
            self.working[key] = (
                pickle.loads(pickle.dumps(original))  # noqa: S301 - our own bytes
                if self._copies
                else original
            )
        return self.working[key]

    def current(self) -> list[T]:
        """Every aggregate as this unit of work sees it (without copying the untouched)."""
        return [self.working.get(k, v) for k, v in self.committed.items()] + [
            v for k, v in self.working.items() if k not in self.committed
        ]

    def where(self, keep: Callable[[T], bool], key: Callable[[T], str]) -> list[T]:
        return [self.get(key(item)) for item in self.current() if keep(item)]


class FakeCases:
    def __init__(self, committed: dict[str, Case], copies: bool = True) -> None:
        self.items = _Working(committed, "That case does not exist.", copies)

    async def add(self, case: Case) -> None:
        self.items.put(case.id, case)

    async def get(self, case_id: str) -> Case:
        return self.items.get(case_id)

    def _where(self, keep: Callable[[Case], bool]) -> list[Case]:
        return self.items.where(keep, lambda c: c.id)

    async def waiting_for_agenda(self, panel_id: str) -> list[Case]:
        return self._where(lambda c: c.panel_id == panel_id and c.waiting_for_agenda)

    async def active_with_reference(self, panel_id: str, reference: str) -> Case | None:
        found = self._where(
            lambda c: (
                c.panel_id == panel_id and c.reference == reference and c.status not in TERMINAL
            )
        )
        return found[0] if found else None

    async def before_panel(self, panel_id: str) -> list[Case]:
        return sorted(
            self._where(lambda c: c.panel_id == panel_id and c.status in BEFORE_PANEL),
            key=lambda c: c.referred_at,
        )

    async def tracking(self, panel_id: str) -> list[Case]:
        return self._where(lambda c: c.panel_id == panel_id and c.status is Status.TRACKING)

    async def with_reference(self, panel_id: str, reference: str) -> list[Case]:
        return self._where(lambda c: c.panel_id == panel_id and c.reference == reference)

    async def escalated(self, panel_id: str) -> list[Case]:
        return self._where(lambda c: c.panel_id == panel_id and c.escalation is not None)


class FakeMeetings:
    def __init__(self, committed: dict[str, Meeting], copies: bool = True) -> None:
        self.items = _Working(committed, "That panel meeting does not exist.", copies)

    async def add(self, meeting: Meeting) -> None:
        self.items.put(meeting.id, meeting)

    async def get(self, meeting_id: str) -> Meeting:
        return self.items.get(meeting_id)

    async def on_date(self, panel_id: str, panel_date: date) -> Meeting | None:
        found = self.items.where(
            lambda m: m.panel_id == panel_id and m.panel_date == panel_date, lambda m: m.id
        )
        return found[0] if found else None

    async def listing(self, case_id: str) -> list[Meeting]:
        return self.items.where(
            lambda m: m.status is not MeetingStatus.CLOSED and m.lists(case_id), lambda m: m.id
        )


@dataclass
class FakeStore:
    """What has been committed: the fake's "database"."""

    cases: dict[str, Case] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    commits: int = 0
    # Where messages sent with a unit of work go when it commits (world() sets it).
    notifier: Notifier | None = None
    # False: use cases change the committed aggregates in place, and a refused one is not
    # rolled back. Only for a run that stops at the first refusal (benchmarks/simulate_year.py),
    # where copying every aggregate read would take most of the time.
    copies: bool = True


class FakeAudit:
    def __init__(self, committed: list[AuditEntry] | None = None) -> None:
        self.pending: list[AuditEntry] = []
        self.committed = committed if committed is not None else []

    async def add(self, entry: AuditEntry) -> None:
        self.pending.append(entry)

    async def for_case(self, case_id: str) -> list[AuditEntry]:
        return [e for e in self.committed if e.case_id == case_id]


class FakeUnitOfWork:
    """Works on deep copies and publishes them on commit, so a failed use case changes nothing,
    as a rolled-back database transaction would."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.cases = FakeCases(store.cases, store.copies)
        self.meetings = FakeMeetings(store.meetings, store.copies)
        self.audit = FakeAudit(store.audit)
        self.outgoing: list[DirectMessage | ChannelNotice] = []

    def send(self, message: DirectMessage | ChannelNotice, at: datetime) -> None:
        self.outgoing.append(message)

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
        self.store.cases.update(self.cases.items.working)
        self.store.meetings.update(self.meetings.items.working)
        self.store.audit.extend(self.audit.pending)
        self.store.commits += 1
        outgoing, self.outgoing = self.outgoing, []
        if outgoing:
            notifier = self.store.notifier
            if notifier is None:
                raise RuntimeError("FakeStore.notifier is not set: nowhere to send messages.")
            for message in outgoing:
                if isinstance(message, DirectMessage):
                    await notifier.direct(message)
                else:
                    await notifier.channel(message)
        await self.rollback()

    async def rollback(self) -> None:
        self.cases = FakeCases(self.store.cases, self.store.copies)
        self.meetings = FakeMeetings(self.store.meetings, self.store.copies)
        self.audit = FakeAudit(self.store.audit)
        self.outgoing = []


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
