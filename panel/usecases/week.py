"""The week before a panel: the agenda as it stands, the freeze at the cut-off, circulation 1:1
to members, reminders before the deadline, and the scheduler's idempotent step that does each
when the clock says it is due."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from panel.agenda import Agenda, Candidate, build_agenda
from panel.calendar import long_date
from panel.cases import Case
from panel.delivery import members_to_reach
from panel.errors import InvalidInput
from panel.lifecycle import Event
from panel.meeting import CirculationRecord, Meeting, MeetingStatus
from panel.messages import (
    ChannelNotice,
    CirculatedCase,
    Circulation,
    DirectMessage,
    InfoCheckReminder,
    Kind,
    NoTeamsList,
    RolledOver,
    StillMissing,
)
from panel.policy import Section
from panel.relevance import ANSWERING, BEFORE_THE_PANEL, QueuedFor
from panel.roster import Member, Panel, Role
from panel.timeline import PanelSchedule
from panel.usecases.common import (
    STAFF,
    SYSTEM,
    Audit,
    Deps,
    at_meeting,
    audited,
    in_play,
    meeting_for,
    on_panel,
    timeline_of,
)
from panel.usecases.info_checks import readiness_grid
from panel.usecases.referrers import tell_referrer
from panel.words import plural

CONSENT_BASIS = (
    "Panel member: information-sharing agreement and the family's consent to discussion at panel."
)


@dataclass(frozen=True)
class AgendaLine:
    number: int
    case_id: str
    reference: str
    section: Section
    locality: str
    why: str = ""  # why it is back (stuck: the lead's words; a review): typed text, literal


@dataclass(frozen=True)
class OverflowLine:
    case_id: str
    reference: str
    locality: str
    reason: str


@dataclass(frozen=True)
class AgendaView:
    """The next meeting as staff see it: frozen agenda, or what would be frozen now."""

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


def _agenda_of(waiting: list[Case], panel: Panel, panel_date: date) -> Agenda:
    return build_agenda(
        [
            Candidate(c.id, c.locality, c.section, c.waiting_since, c.times_rolled_over)
            for c in waiting
        ],
        panel.policy,
        panel_date,
    )


async def view_agenda(deps: Deps, *, panel_id: str, actor: str) -> AgendaView:
    """The next meeting's agenda per locality with its overflow, for the chair and staff."""
    async with on_panel(deps, actor, "agenda.view", panel_id, *STAFF) as work:
        schedule = await in_play(work.uow, work.panel, work.now())
        meeting = await work.uow.meetings.on_date(panel_id, schedule.panel_date)
        provisional = meeting is None or meeting.agenda is None
        if meeting is not None and meeting.agenda is not None:
            agenda = meeting.agenda
            ids = (*agenda.case_ids, *(o.case_id for o in agenda.overflow))
            cases = {i: await work.uow.cases.get(i) for i in ids}
        else:
            waiting = await work.uow.cases.waiting_for_agenda(panel_id)
            cases = {c.id: c for c in waiting}
            agenda = _agenda_of(waiting, work.panel, schedule.panel_date)
        for case_id in cases:
            await work.audit.allowed(work.uow, work.now(), case_id)
        await work.uow.commit()
    return AgendaView(
        work.panel.id,
        work.panel.name,
        meeting.id if meeting else None,
        schedule.panel_date,
        meeting.status if meeting else MeetingStatus.PLANNED,
        schedule.cutoff_at,
        schedule.circulation_at,
        schedule.info_check_deadline_at,
        provisional,
        tuple(
            AgendaLine(
                i.number,
                i.case_id,
                cases[i.case_id].reference,
                i.section,
                i.locality,
                cases[i.case_id].why_back(),
            )
            for i in agenda.items
        ),
        tuple(
            OverflowLine(o.case_id, cases[o.case_id].reference, o.locality, o.reason)
            for o in agenda.overflow
        ),
    )


async def agenda_counts(deps: Deps, *, panel_id: str, actor: str) -> AgendaCounts:
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
            sections = [c.section for c in await uow.cases.waiting_for_agenda(panel_id)]
            frozen = False
    counts = Counter(s.value for s in sections)
    return AgendaCounts(panel.name, schedule.panel_date, frozen, dict(counts), len(sections))


async def current_meeting(deps: Deps, panel_id: str) -> Meeting | None:
    """The next panel's meeting, if anything has happened to it yet (no case data)."""
    panel = deps.panels.get(panel_id)
    async with deps.uow() as uow:
        schedule = await in_play(uow, panel, deps.clock.now())
        return await uow.meetings.on_date(panel_id, schedule.panel_date)


async def freeze_agenda(
    deps: Deps, *, panel_id: str, actor: str | None = None, panel_date: date | None = None
) -> Meeting | None:
    """Freeze the next meeting's agenda.

    Run by the scheduler (no actor) it acts only once the cut-off has passed; run by the chair
    ("freeze now") it acts at once. Either way a frozen agenda is left as it is: running twice
    acts once.
    """
    panel = deps.panels.get(panel_id)
    if actor is not None:
        async with audited(deps, actor, "agenda.freeze", panel_id=panel_id):
            panel.require(actor, *STAFF)
    audit = Audit(actor or SYSTEM, "agenda.freeze").about(panel)
    now = deps.clock.now()
    timeline = timeline_of(panel)
    schedule = timeline.next_panel(now) if panel_date is None else timeline.schedule_for(panel_date)
    if actor is None and now < schedule.cutoff_at:
        return None
    async with deps.uow() as uow:
        if actor is not None and panel_date is None:
            schedule = await in_play(uow, panel, now)
        meeting = await meeting_for(uow, panel, schedule)
        if meeting.status is not MeetingStatus.PLANNED:
            return meeting
        waiting = await uow.cases.waiting_for_agenda(panel_id)
        if actor is None:
            # Run late (after downtime), the scheduled freeze still takes only the cases waiting
            # at the cut-off. Barnet 000 §5: «All cases identified by Wednesday midday will be
            # circulated ... [members] will have 4 working days»; one listed later goes to the
            # next meeting, whose members get their full time for it.
            waiting = [c for c in waiting if c.waiting_since <= schedule.cutoff_at]
        by_id = {c.id: c for c in waiting}
        agenda = _agenda_of(waiting, panel, schedule.panel_date)
        meeting.freeze(agenda)
        for item in agenda.items:
            by_id[item.case_id].apply(Event.ADD_TO_AGENDA, now)
        for over in agenda.overflow:
            case = by_id[over.case_id]
            case.apply(Event.ROLL_OVER, now, over.reason)
            for message in tell_referrer(
                panel,
                case,
                f"has rolled over to the following panel: {over.reason}",
                f"rolled:{meeting.id}:{case.id}",
                body=RolledOver(case.id),
                or_whoever_listed_it=True,
            ):
                uow.send(message, now)
        for case_id in by_id:
            await audit.allowed(uow, now, case_id)
        await uow.commit()
    return meeting


def _pack(
    panel: Panel,
    meeting: Meeting,
    member: Member,
    cases: tuple[CirculatedCase, ...],
    deadline: datetime,
) -> DirectMessage:
    assert meeting.agenda is not None  # noqa: S101 - circulated only once frozen
    return DirectMessage(
        member.person_id,
        f"circulation:{meeting.id}:{member.person_id}",
        # No count: a case withdrawn before this is sent leaves the pack.
        f"Cases for the panel on {long_date(meeting.panel_date)}: please check "
        "each one and answer by the deadline.",
        Circulation(
            meeting.id,
            panel.name,
            meeting.panel_date,
            deadline,
            panel.agency_of(member) or "",
            cases,
        ),
        queued_for=QueuedFor(panel.id, meeting.id, BEFORE_THE_PANEL, meeting.agenda.case_ids),
    )


async def circulate_agenda(deps: Deps, *, meeting_id: str, actor: str | None = None) -> int:
    """Send each member the frozen list, 1:1, with only the fields the policy allows.

    Returns how many members were sent it. Running it again sends nothing more.
    """
    now = deps.clock.now()
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        panel = deps.panels.get(meeting.panel_id)
        if actor is not None:
            async with audited(deps, actor, "agenda.circulate", panel_id=panel.id):
                panel.require(actor, *STAFF)
        audit = Audit(actor or SYSTEM, "agenda.circulate").about(panel)
        if meeting.status is not MeetingStatus.FROZEN or meeting.agenda is None:
            if meeting.status is MeetingStatus.PLANNED:
                raise InvalidInput("Freeze the agenda before circulating it.")
            return 0
        if not meeting.agenda.items:
            # Nothing to share: no list to members, no reminders, no notice.
            return 0
        cases = [await uow.cases.get(i) for i in meeting.agenda.case_ids]
        fields = panel.policy.circulated_fields
        views = tuple(CirculatedCase.of(c, fields) for c in cases)
        deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
        sent = 0
        without_teams: list[Member] = []
        for member in members_to_reach(panel):
            meeting.circulations.append(
                CirculationRecord(
                    member.person_id,
                    panel.agency_of(member) or "",
                    meeting.agenda.case_ids,
                    fields,
                    CONSENT_BASIS,
                    now,
                )
            )
            if not member.has_teams:
                without_teams.append(member)
                continue
            uow.send(_pack(panel, meeting, member, views, deadline), now)
            sent += 1
        for case in cases:
            case.apply(Event.CIRCULATE, now)
            await audit.allowed(uow, now, case.id)
        meeting.status = MeetingStatus.CIRCULATED
        for message in _circulated_notices(panel, meeting, without_teams):
            uow.send(message, now)
        await uow.commit()
    return sent


def _circulated_notices(
    panel: Panel, meeting: Meeting, without_teams: list[Member]
) -> list[DirectMessage | ChannelNotice]:
    """Business support hear who is not on Teams (to send them the list another way); the
    channel hears the numbers."""
    assert meeting.agenda is not None  # noqa: S101 - circulated only once frozen
    in_week = QueuedFor(panel.id, meeting.id, BEFORE_THE_PANEL)
    notices: list[DirectMessage | ChannelNotice] = [
        DirectMessage(
            support.person_id,
            f"no-teams:{meeting.id}:{support.person_id}",
            "These members are not on Teams; send them the list securely: "
            + ", ".join(f"{m.name} <{m.email}>" for m in without_teams),
            NoTeamsList(),
            queued_for=in_week,
        )
        for support in (panel.with_role(Role.BUSINESS_SUPPORT) if without_teams else [])
    ]
    cases = len(meeting.agenda.items)
    counts = Counter(item.section.value for item in meeting.agenda.items)
    notices.append(
        ChannelNotice(
            panel.id,
            Kind.CIRCULATION_NOTICE,
            f"circulation-notice:{meeting.id}",
            {"cases": cases, **counts},
            f"The list for the panel on {long_date(meeting.panel_date)} has been sent to "
            f"members 1:1: {cases} cases. Please answer your information checks.",
            queued_for=in_week,
        )
    )
    return notices


async def remind_missing(deps: Deps, *, meeting_id: str, slot: str) -> int:
    """Remind members with missing answers; tell the chair who is still missing. Returns how
    many members were reminded.

    `slot` names the reminder time (or "on-demand-<n>"); each slot reminds each person once.
    """
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        panel = deps.panels.get(meeting.panel_id)
        if meeting.status is not MeetingStatus.CIRCULATED:
            return 0
        grid = readiness_grid(panel, meeting)
        queued_for = QueuedFor(panel.id, meeting.id, ANSWERING)
        timeline = timeline_of(panel)
        deadline = timeline.schedule_for(meeting.panel_date).info_check_deadline_at
        by = deadline.astimezone(timeline.zone)
        messages: list[DirectMessage] = []
        for agency in grid.agencies_missing():
            missing = len(grid.missing_for(agency))
            for member in panel.members_of(agency):
                key = f"reminder:{meeting.id}:{slot}:{member.person_id}"
                if key in meeting.done or not member.has_teams:
                    continue
                meeting.done.add(key)
                messages.append(
                    DirectMessage(
                        member.person_id,
                        key,
                        _reminder(agency, missing, agency in grid.capacity, meeting, by),
                        InfoCheckReminder(meeting.id, tuple(grid.missing_for(agency))),
                        queued_for=queued_for,
                    )
                )
        if grid.agencies_missing():
            for chair in panel.with_role(Role.CHAIR):
                key = f"still-missing:{meeting.id}:{slot}:{chair.person_id}"
                if key in meeting.done:
                    continue
                meeting.done.add(key)
                messages.append(
                    DirectMessage(
                        chair.person_id,
                        key,
                        "Still missing: " + ", ".join(grid.agencies_missing()),
                        StillMissing(meeting.id),
                        queued_for=queued_for,
                    )
                )
        for message in messages:
            uow.send(message, deps.clock.now())
        await uow.commit()
    # Members reminded: the chair's "still missing" goes with them, and is not one.
    return sum(1 for m in messages if isinstance(m.body, InfoCheckReminder))


def _reminder(agency: str, missing: int, capacity: bool, meeting: Meeting, by: datetime) -> str:
    """What is missing, said as it is (answers, the capacity or both), and by when."""
    asks = [f"answer {plural(missing, 'case')} still open"] if missing else []
    asks += [] if capacity else ["give your agency's capacity (how many new cases it can lead)"]
    return (
        f"Reminder: {agency}, for the panel on {long_date(meeting.panel_date)}: please "
        f"{' and '.join(asks)} by {long_date(by.date())} at {by:%H:%M}."
    )


async def send_reminders(deps: Deps, *, meeting_id: str, actor: str) -> int:
    """Staff ask for reminders at once. Within the same minute a second ask (a double click)
    reminds nobody again."""
    async with at_meeting(deps, actor, "reminders.send", meeting_id, *STAFF) as work:
        await work.done()
    slot = f"on-demand-{deps.clock.now().astimezone(timeline_of(work.panel).zone):%Y%m%dT%H%M}"
    return await remind_missing(deps, meeting_id=meeting_id, slot=slot)


async def check_delivery(deps: Deps, *, meeting_id: str, actor: str) -> tuple[Meeting, Panel]:
    """Staff look at where a meeting's messages have got to: names and states, no case data."""
    async with at_meeting(deps, actor, "delivery.view", meeting_id, *STAFF) as work:
        await work.done()
    return work.meeting, work.panel


@dataclass(frozen=True)
class WeekStep:
    """What one scheduled run did; all zeros when nothing was due (running twice acts once)."""

    frozen: bool = False
    circulated: int = 0
    reminded: int = 0


async def run_week(deps: Deps, panel_id: str) -> WeekStep:
    """The week before a panel, as far as the clock says it is due: freeze at the cut-off,
    circulate at the circulation time, remind at each reminder time before the deadline.

    Two meetings are looked at, because a holiday can put the next meeting's cut-off before
    this one has met (Barnet, Christmas 2026: the cut-off for Tuesday 29 December is Monday
    21 December, the day before the panel of the 22nd). Every step is idempotent, so the
    scheduler may call this at any moment, as often as it likes, and after downtime it
    catches up in one call.
    """
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    imminent = timeline_of(panel).next_panel(now)
    done = WeekStep()
    for schedule in (imminent, timeline_of(panel).following(imminent)):
        if now >= schedule.cutoff_at:
            done = await _week_of(deps, panel_id, schedule, now, done)
    return done


async def _week_of(
    deps: Deps, panel_id: str, schedule: PanelSchedule, now: datetime, done: WeekStep
) -> WeekStep:
    async with deps.uow() as uow:
        before = await uow.meetings.on_date(panel_id, schedule.panel_date)
        was_planned = before is None or before.status is MeetingStatus.PLANNED
    meeting = await freeze_agenda(deps, panel_id=panel_id, panel_date=schedule.panel_date)
    if meeting is None or not meeting.items:
        return replace(done, frozen=done.frozen or (was_planned and meeting is not None))
    circulated = 0
    if meeting.status is MeetingStatus.FROZEN and now >= schedule.circulation_at:
        circulated = await circulate_agenda(deps, meeting_id=meeting.id)
    reminded = 0
    for at in schedule.reminders_at:
        if at <= now < schedule.info_check_deadline_at:
            reminded += await remind_missing(deps, meeting_id=meeting.id, slot=at.isoformat())
    return WeekStep(
        done.frozen or was_planned, done.circulated + circulated, done.reminded + reminded
    )
