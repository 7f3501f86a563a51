"""Read-side use cases: what a chair, business support or a member sees in the week before a
panel. Each read of case data is audited like a change (PRODUCT.md §3.6)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from panel.agenda import Candidate, build_agenda
from panel.cases import Case
from panel.errors import NotFound, NotPermitted
from panel.infochecks import InfoCheck
from panel.lifecycle import EDITABLE, WITHDRAWABLE, Status
from panel.meeting import Meeting, MeetingStatus
from panel.policy import Section
from panel.roster import Panel, Role
from panel.services import (
    STAFF,
    Audit,
    Deps,
    audited,
    circulated_view,
    in_play,
    readiness_grid,
    timeline_of,
)


@dataclass(frozen=True)
class CaseLine:
    """One case on business support's working list (1:1 only: it names the children)."""

    case_id: str
    reference: str
    locality: str
    route: Section
    status: Status
    children: tuple[str, ...]
    referred_at: datetime
    times_rolled_over: int

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def withdrawable(self) -> bool:
        return self.status in WITHDRAWABLE

    @property
    def awaiting_screening(self) -> bool:
        return self.status is Status.REFERRED


def _line(case: Case) -> CaseLine:
    return CaseLine(
        case.id,
        case.reference,
        case.locality,
        case.section,
        case.status,
        tuple(c.name for c in case.children),
        case.referred_at,
        case.times_rolled_over,
    )


@dataclass(frozen=True)
class AgendaLine:
    number: int
    case_id: str
    reference: str
    section: Section
    locality: str


@dataclass(frozen=True)
class OverflowLine:
    case_id: str
    reference: str
    locality: str
    reason: str


@dataclass(frozen=True)
class SittingView:
    """The next sitting as staff see it: frozen agenda, or what would be frozen now."""

    panel_id: str
    panel_name: str
    meeting_id: str | None
    panel_date: date
    status: MeetingStatus
    cutoff_at: datetime
    circulation_at: datetime
    deadline_at: datetime
    provisional: bool  # True until the cut-off: the agenda as it would freeze now
    items: tuple[AgendaLine, ...]
    overflow: tuple[OverflowLine, ...]


@dataclass(frozen=True)
class AgendaCounts:
    """The agenda for a channel or group chat: numbers only, never a case."""

    panel_name: str
    panel_date: date
    frozen: bool
    by_section: Mapping[str, int]
    total: int


@dataclass(frozen=True)
class MemberPack:
    """What one member has been sent for a sitting, with their agency's saved answers."""

    meeting_id: str
    panel_name: str
    panel_date: date
    deadline_at: datetime
    agency: str
    past_deadline: bool
    cases: tuple[Mapping[str, object], ...]
    answers: Mapping[str, InfoCheck]  # by case id
    capacity: int | None

    @property
    def missing(self) -> int:
        return sum(1 for c in self.cases if c["case_id"] not in self.answers)


class TaskKind(Enum):
    SCREEN = "screen"
    ANSWER = "answer"
    CAPACITY = "capacity"
    READINESS = "readiness"


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    panel_id: str
    panel_name: str
    count: int
    meeting_id: str | None = None


async def case_list(deps: Deps, panel_id: str, actor: str) -> list[CaseLine]:
    """Cases referred and not yet discussed, oldest first: staff only."""
    async with audited(deps, actor, "case.list", panel_id=panel_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        now = deps.clock.now()
        async with deps.uow() as uow:
            cases = await uow.cases.before_panel(panel_id)
            for case in cases:
                await audit.allowed(uow, now, case.id)
            await uow.commit()
        return [_line(c) for c in cases]


async def case_for_editing(deps: Deps, panel_id: str, actor: str, case_id: str) -> Case:
    async with audited(deps, actor, "case.view", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        async with deps.uow() as uow:
            case = await uow.cases.get(case_id)
            if case.panel_id != panel_id:
                raise NotFound("That case does not exist.")
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return case


async def current_meeting(deps: Deps, panel_id: str) -> Meeting | None:
    """The sitting of the next panel, if anything has happened to it yet (no case data)."""
    panel = deps.panels.get(panel_id)
    async with deps.uow() as uow:
        schedule = await in_play(uow, panel, deps.clock.now())
        return await uow.meetings.on_date(panel_id, schedule.panel_date)


async def sitting(deps: Deps, panel_id: str, actor: str) -> SittingView:
    """The next sitting's agenda per locality with its overflow, for the chair and staff."""
    async with audited(deps, actor, "agenda.view", panel_id=panel_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        now = deps.clock.now()
        async with deps.uow() as uow:
            schedule = await in_play(uow, panel, now)
            meeting = await uow.meetings.on_date(panel_id, schedule.panel_date)
            provisional = meeting is None or meeting.agenda is None
            if meeting is not None and meeting.agenda is not None:
                agenda = meeting.agenda
                cases = {i: await uow.cases.get(i) for i in meeting.agenda.case_ids}
                for over in agenda.overflow:
                    cases[over.case_id] = await uow.cases.get(over.case_id)
            else:
                waiting = await uow.cases.waiting_for_agenda(panel_id)
                cases = {c.id: c for c in waiting}
                agenda = build_agenda(
                    [
                        Candidate(c.id, c.locality, c.section, c.waiting_since, c.times_rolled_over)
                        for c in waiting
                    ],
                    panel.policy,
                    schedule.panel_date,
                )
            for case_id in cases:
                await audit.allowed(uow, now, case_id)
            await uow.commit()
        return SittingView(
            panel.id,
            panel.name,
            meeting.id if meeting else None,
            schedule.panel_date,
            meeting.status if meeting else MeetingStatus.PLANNED,
            schedule.cutoff_at,
            schedule.circulation_at,
            schedule.info_check_deadline_at,
            provisional,
            tuple(
                AgendaLine(i.number, i.case_id, cases[i.case_id].reference, i.section, i.locality)
                for i in agenda.items
            ),
            tuple(
                OverflowLine(o.case_id, cases[o.case_id].reference, o.locality, o.reason)
                for o in agenda.overflow
            ),
        )


async def agenda_counts(deps: Deps, panel_id: str, actor: str) -> AgendaCounts:
    """Numbers only, for a shared conversation: any current member of the panel may ask."""
    panel = deps.panels.get(panel_id)
    async with audited(deps, actor, "agenda.counts", panel_id=panel_id):
        panel.require(actor)
    async with deps.uow() as uow:
        schedule = await in_play(uow, panel, deps.clock.now())
        meeting = await uow.meetings.on_date(panel_id, schedule.panel_date)
        if meeting is not None and meeting.agenda is not None:
            sections = [i.section for i in meeting.agenda.items]
            frozen = True
        else:
            waiting = await uow.cases.waiting_for_agenda(panel_id)
            sections = [c.section for c in waiting]
            frozen = False
    counts = Counter(s.value for s in sections)
    return AgendaCounts(panel.name, schedule.panel_date, frozen, dict(counts), len(sections))


def _agency_for_pack(panel: Panel, actor: str) -> str:
    member = panel.require(actor, Role.MEMBER)
    agency = panel.agency_of(member)
    if agency is None:
        raise NotPermitted("You are not registered for an agency on this panel.")
    return agency


async def member_pack(deps: Deps, meeting_id: str, actor: str) -> MemberPack:
    """The circulated cases, only the fields the policy allows, with the member's agency's
    saved answers. Only a current member of the panel, once the list has been circulated."""
    async with audited(deps, actor, "case.view") as audit:
        now = deps.clock.now()
        async with deps.uow() as uow:
            meeting = await uow.meetings.get(meeting_id)
            panel = deps.panels.get(meeting.panel_id)
            audit.about(panel)
            agency = _agency_for_pack(panel, actor)
            meeting.require_status(
                MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION, doing="see the case list"
            )
            case_ids = meeting.agenda.case_ids if meeting.agenda else ()
            views = []
            for case_id in case_ids:
                views.append(
                    circulated_view(await uow.cases.get(case_id), panel.policy.circulated_fields)
                )
                await audit.allowed(uow, now, case_id)
            await uow.commit()
        deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
        return MemberPack(
            meeting.id,
            panel.name,
            meeting.panel_date,
            deadline,
            agency,
            now > deadline,
            tuple(views),
            {c: a for (c, a_agency), a in meeting.answers.items() if a_agency == agency},
            meeting.capacity.get(agency),
        )


async def my_tasks(deps: Deps, actor: str, panel_ids: list[str]) -> list[Task]:
    """What is waiting for this person on each of their panels. Counts only, no case data."""
    tasks: list[Task] = []
    for panel_id in panel_ids:
        panel = deps.panels.get(panel_id)
        member = panel.find(actor)
        if member is None:
            continue
        meeting = await current_meeting(deps, panel_id)
        if member.roles & set(STAFF):
            async with deps.uow() as uow:
                referred = [
                    c for c in await uow.cases.before_panel(panel_id) if c.status is Status.REFERRED
                ]
                audit = Audit(actor, "case.list").about(panel)
                for case in referred:
                    await audit.allowed(uow, deps.clock.now(), case.id)
                await uow.commit()
            if referred:
                tasks.append(Task(TaskKind.SCREEN, panel.id, panel.name, len(referred)))
            if meeting is not None and meeting.status is MeetingStatus.CIRCULATED:
                missing = len(readiness_grid(panel, meeting).agencies_missing())
                if missing:
                    tasks.append(
                        Task(TaskKind.READINESS, panel.id, panel.name, missing, meeting.id)
                    )
        agency = panel.agency_of(member) if Role.MEMBER in member.roles else None
        if agency and meeting is not None and meeting.status is MeetingStatus.CIRCULATED:
            case_ids = meeting.agenda.case_ids if meeting.agenda else ()
            unanswered = sum(1 for c in case_ids if (c, agency) not in meeting.answers)
            if unanswered:
                tasks.append(Task(TaskKind.ANSWER, panel.id, panel.name, unanswered, meeting.id))
            if agency not in meeting.capacity:
                tasks.append(Task(TaskKind.CAPACITY, panel.id, panel.name, 1, meeting.id))
    return tasks
