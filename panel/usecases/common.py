"""What every use case shares: its dependencies, the audit row it writes, and the prologue that
about twenty of them open with (audit, unit of work, the meeting or panel, the actor's role).

Identity (`actor`) is a person id taken by the edge from the authenticated activity; every use
case re-checks that person's role on the panel before doing anything.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime

from panel.cases import Case
from panel.errors import DomainError, NotFound, NotPermitted
from panel.meeting import Meeting, MeetingStatus
from panel.messages import Message
from panel.ports import AuditEntry, Clock, PanelDirectory, UnitOfWork, UnitOfWorkFactory
from panel.roster import Panel, Role
from panel.timeline import PanelSchedule, Timeline

STAFF = (Role.CHAIR, Role.BUSINESS_SUPPORT)
# Who acts for an agency on the cases it leads: its members, practitioners and managers.
ACTING = (Role.MEMBER, Role.PRACTITIONER, Role.MANAGER)
SYSTEM = "system"  # the actor recorded for scheduled steps


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Deps:
    """What every use case is handed by the composition root. A use case sends messages only
    through its unit of work (`uow.send`), so they commit with the change that causes them."""

    panels: PanelDirectory
    uow: UnitOfWorkFactory
    clock: Clock


def timeline_of(panel: Panel) -> Timeline:
    return Timeline(panel.policy, panel.calendar)


@dataclass
class Audit:
    """The audit row a use case will write; filled in as the use case learns its panel and case.

    Allowed actions are appended inside the use case's own transaction, so the record and the
    change commit together; a refusal is written in a transaction of its own, because the use
    case's transaction is rolled back.
    """

    actor: str
    action: str
    panel_id: str = ""
    tenant: str = ""
    case_id: str | None = None

    def about(self, panel: Panel, case_id: str | None = None) -> Audit:
        self.panel_id, self.tenant = panel.id, panel.tenant_id
        if case_id is not None:
            self.case_id = case_id
        return self

    def entry(self, at: datetime, *, allowed: bool = True, reason: str = "") -> AuditEntry:
        return AuditEntry(
            at, self.actor, self.tenant, self.panel_id, self.case_id, self.action, allowed, reason
        )

    async def allowed(self, uow: UnitOfWork, at: datetime, case_id: str | None = None) -> None:
        entry = self.entry(at)
        await uow.audit.add(entry if case_id is None else replace(entry, case_id=case_id))


@asynccontextmanager
async def audited(
    deps: Deps, actor: str, action: str, *, panel_id: str = "", case_id: str | None = None
) -> AsyncIterator[Audit]:
    """The audit row for `action`; a refusal (a DomainError) is recorded, then raised."""
    audit = Audit(actor, action, panel_id, case_id=case_id)
    with contextlib.suppress(DomainError):
        audit.about(deps.panels.get(panel_id))
    try:
        yield audit
    except DomainError as error:
        async with deps.uow() as uow:
            await uow.audit.add(
                audit.entry(deps.clock.now(), allowed=False, reason=type(error).__name__)
            )
            await uow.commit()
        raise


@dataclass
class Work:
    """One use case's transaction: its unit of work, audit row and panel (and meeting)."""

    deps: Deps
    uow: UnitOfWork
    audit: Audit
    panel: Panel
    _meeting: Meeting | None = None

    @property
    def meeting(self) -> Meeting:
        assert self._meeting is not None, "a panel's work has no meeting"  # noqa: S101
        return self._meeting

    def now(self) -> datetime:
        return self.deps.clock.now()

    def today(self) -> date:
        """Today in the panel's own time zone: the day a step is dated."""
        return self.now().astimezone(timeline_of(self.panel).zone).date()

    def send(self, message: Message) -> None:
        """With the transaction: queued when it commits, never if it rolls back."""
        self.uow.send(message, self.now())

    async def done(self, case_id: str | None = None) -> None:
        """Record the action as allowed and commit it with the change."""
        await self.audit.allowed(self.uow, self.now(), case_id)
        await self.uow.commit()


@asynccontextmanager
async def at_meeting(
    deps: Deps, actor: str, action: str, meeting_id: str, *roles: Role, case_id: str | None = None
) -> AsyncIterator[Work]:
    """The prologue of a use case on one meeting: audited, one unit of work, the meeting and
    its panel loaded, and the actor's role checked when `roles` are given."""
    async with audited(deps, actor, action, case_id=case_id) as audit, deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        panel = deps.panels.get(meeting.panel_id)
        audit.about(panel)
        if roles:
            panel.require(actor, *roles)
        yield Work(deps, uow, audit, panel, meeting)


@asynccontextmanager
async def on_panel(
    deps: Deps, actor: str, action: str, panel_id: str, *roles: Role, case_id: str | None = None
) -> AsyncIterator[Work]:
    """The prologue of a use case on one panel: audited, the actor's role checked, then one
    unit of work."""
    async with audited(deps, actor, action, panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *roles)
        async with deps.uow() as uow:
            yield Work(deps, uow, audit, panel)


async def case_of(uow: UnitOfWork, panel_id: str, case_id: str) -> Case:
    case = await uow.cases.get(case_id)
    if case.panel_id != panel_id:
        # Same words as a missing case: a person must not learn which ids exist elsewhere.
        raise NotFound("That case does not exist.")
    return case


def agency_of_member(panel: Panel, actor: str, *roles: Role) -> str:
    """The agency `actor` speaks for on this panel, as one of `roles`."""
    member = panel.require(actor, *roles)
    agency = panel.agency_of(member)
    if agency is None:
        raise NotPermitted("You are not registered for an agency on this panel.")
    return agency


async def meeting_for(uow: UnitOfWork, panel: Panel, schedule: PanelSchedule) -> Meeting:
    """The meeting on the schedule's date, created (planned) if nothing has happened to it."""
    meeting = await uow.meetings.on_date(panel.id, schedule.panel_date)
    if meeting is None:
        meeting = Meeting(new_id(), panel.id, schedule.panel_date)
        await uow.meetings.add(meeting)
    return meeting


async def in_play(uow: UnitOfWork, panel: Panel, now: datetime) -> PanelSchedule:
    """The meeting people are working on now: the next one, unless its cut-off has passed and
    it froze with nothing on it; then the one still taking cases.

    Without this, a chair who lists a family after an empty agenda froze (say on a Monday,
    when the cut-off was last Wednesday) could never freeze or circulate it before next week.
    """
    timeline = timeline_of(panel)
    imminent = timeline.next_panel(now)
    meeting = await uow.meetings.on_date(panel.id, imminent.panel_date)
    if meeting is not None and meeting.status is MeetingStatus.CLOSED:
        # Closed before its planned start (a chair may start early): the next one is in play.
        return timeline.following(imminent)
    if now < imminent.cutoff_at:
        return imminent
    if meeting is None or meeting.agenda is None or meeting.agenda.items:
        return imminent
    return timeline.next_open_for_listing(now)
