"""Use cases: one unit of work each. Load, apply the rules, commit, then tell people.

Identity (`actor`) is a person id taken by the edge from the authenticated activity; every use
case re-checks that person's role on the panel before doing anything.
"""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime

from panel.agenda import Candidate, build_agenda
from panel.calendar import long_date
from panel.cases import Case, Referral, check_referral
from panel.errors import (
    AgendaFrozen,
    DeadlinePassed,
    DomainError,
    InvalidInput,
    NotFound,
    NotPermitted,
    VoteRejected,
)
from panel.infochecks import InfoCheck, Known, ReadinessGrid, check_capacity, check_information
from panel.lifecycle import EDITABLE, Event, Status
from panel.meeting import (
    CirculationRecord,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesItem,
    SeatTaken,
)
from panel.outcomes import Decision, Milestone, check_decision, complete_milestone, plan_milestones
from panel.policy import CaseField
from panel.ports import (
    AuditEntry,
    ChannelNotice,
    Clock,
    DirectMessage,
    Kind,
    Notifier,
    PanelDirectory,
    UnitOfWork,
    UnitOfWorkFactory,
)
from panel.quorum import Attendance, Presence, QuorumStatus, agencies_present, quorum
from panel.relevance import ANSWERING, BEFORE_THE_PANEL, SITTING, QueuedFor
from panel.roster import Member, Panel, Role
from panel.timeline import PanelSchedule, Timeline
from panel.votes import RoundResult, RoundState, VoteCast, VoteRound, VoteRule, choose_candidates

STAFF = (Role.CHAIR, Role.BUSINESS_SUPPORT)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Deps:
    """What every use case is handed by the composition root."""

    panels: PanelDirectory
    uow: UnitOfWorkFactory
    clock: Clock
    notifier: Notifier


def timeline_of(panel: Panel) -> Timeline:
    return Timeline(panel.policy, panel.calendar)


SYSTEM = "system"  # the actor recorded for scheduled steps


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


# -- Intake and screening ---------------------------------------------------------------------


async def refer_case(deps: Deps, panel_id: str, actor: str, referral: Referral) -> str:
    """Record a referred family. Refuses without consent (per policy) or with an immediate
    safeguarding concern, in which case nothing is stored."""
    async with audited(deps, actor, "case.refer", panel_id=panel_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        now = deps.clock.now()
        check_referral(referral, panel.policy, now.astimezone(timeline_of(panel).zone).date())
        async with deps.uow() as uow:
            if await uow.cases.active_with_reference(panel_id, referral.reference):
                raise InvalidInput("A case with that reference is already open for this panel.")
            case = Case.from_referral(new_id(), panel_id, referral, now, actor)
            await uow.cases.add(case)
            await audit.allowed(uow, now, case.id)
            await uow.commit()
        return case.id


async def screen_case(
    deps: Deps, panel_id: str, actor: str, case_id: str, decision: Event, reason: str = ""
) -> Status:
    async with audited(deps, actor, "case.screen", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        if decision not in (Event.LIST, Event.ALLOCATE_DIRECTLY, Event.REDIRECT_TO_MASH):
            raise InvalidInput("Screening lists the case, allocates it directly or redirects it.")
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            status = case.apply(decision, deps.clock.now(), reason)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return status


async def withdraw_case(deps: Deps, panel_id: str, actor: str, case_id: str, reason: str) -> str:
    """Withdraw a case not yet discussed; its reference, for the confirmation."""
    async with audited(deps, actor, "case.withdraw", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            case.apply(Event.WITHDRAW, deps.clock.now(), reason)
            # From this moment the case is on no pack, console, agenda or case card, and any
            # action on it is refused, because each of them reads the sitting's agenda; and
            # messages about it still queued are dropped by the delivery worker (§3.11).
            for meeting in await uow.meetings.listing(case_id):
                meeting.withdraw(case_id)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return case.reference


async def edit_case(
    deps: Deps, panel_id: str, actor: str, case_id: str, referral: Referral
) -> None:
    """Correct a referral while it still waits for an agenda; the same checks as listing it."""
    async with audited(deps, actor, "case.edit", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, *STAFF)
        now = deps.clock.now()
        check_referral(referral, panel.policy, now.astimezone(timeline_of(panel).zone).date())
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            if case.status not in EDITABLE:
                raise AgendaFrozen(
                    "This case is already on a frozen agenda or past panel; ask the chair to "
                    "raise any correction at the panel."
                )
            other = await uow.cases.active_with_reference(panel_id, referral.reference)
            if other is not None and other.id != case.id:
                raise InvalidInput("A case with that reference is already open for this panel.")
            case.reference, case.locality, case.route = (
                referral.reference,
                referral.locality,
                referral.route,
            )
            case.children, case.family = referral.children, referral.family
            case.presenting_needs, case.consent = referral.presenting_needs, referral.consent
            await audit.allowed(uow, now)
            await uow.commit()


async def view_case(deps: Deps, panel_id: str, actor: str, case_id: str) -> Case:
    """Read one case's full record: staff, or a current member of the case's panel."""
    async with audited(deps, actor, "case.view", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, Role.MEMBER, *STAFF)
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return case


async def _sitting(
    deps: Deps, uow: UnitOfWork, meeting_id: str, audit: Audit, *roles: Role
) -> tuple[Meeting, Panel]:
    """The sitting and its panel, the audit row told which panel, and the actor's role checked
    when `roles` are given."""
    meeting = await uow.meetings.get(meeting_id)
    panel = deps.panels.get(meeting.panel_id)
    audit.about(panel)
    if roles:
        panel.require(audit.actor, *roles)
    return meeting, panel


async def _case_of(uow: UnitOfWork, panel_id: str, case_id: str) -> Case:
    case = await uow.cases.get(case_id)
    if case.panel_id != panel_id:
        # Same words as a missing case: a person must not learn which ids exist elsewhere.
        raise NotFound("That case does not exist.")
    return case


# -- Cut-off and circulation ------------------------------------------------------------------


async def _meeting_for(uow: UnitOfWork, panel: Panel, schedule: PanelSchedule) -> Meeting:
    meeting = await uow.meetings.on_date(panel.id, schedule.panel_date)
    if meeting is None:
        meeting = Meeting(new_id(), panel.id, schedule.panel_date)
        await uow.meetings.add(meeting)
    return meeting


async def in_play(uow: UnitOfWork, panel: Panel, now: datetime) -> PanelSchedule:
    """The sitting people are working on now: the next one, unless its cut-off has passed and
    it froze with nothing on it; then the one still taking cases.

    Without this, a chair who lists a family after an empty agenda froze (say on a Monday,
    when the cut-off was last Wednesday) could never freeze or circulate it before next week.
    """
    timeline = timeline_of(panel)
    imminent = timeline.next_panel(now)
    if now < imminent.cutoff_at:
        return imminent
    meeting = await uow.meetings.on_date(panel.id, imminent.panel_date)
    if meeting is None or meeting.agenda is None or meeting.agenda.items:
        return imminent
    return timeline.next_open_for_listing(now)


async def freeze_agenda(
    deps: Deps, panel_id: str, *, actor: str | None = None, panel_date: date | None = None
) -> Meeting | None:
    """Freeze the next sitting's agenda.

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
    rolled: list[tuple[Case, str]] = []
    async with deps.uow() as uow:
        if actor is not None and panel_date is None:
            schedule = await in_play(uow, panel, now)
        meeting = await _meeting_for(uow, panel, schedule)
        if meeting.status is not MeetingStatus.PLANNED:
            return meeting
        waiting = await uow.cases.waiting_for_agenda(panel_id)
        if actor is None:
            # Run late (after downtime), the scheduled freeze still takes only the cases waiting
            # at the cut-off. Barnet 000 §5: «All cases identified by Wednesday midday will be
            # circulated ... [members] will have 4 working days»; one listed later goes to the
            # next sitting, whose members get their full time for it.
            waiting = [c for c in waiting if c.waiting_since <= schedule.cutoff_at]
        by_id = {c.id: c for c in waiting}
        agenda = build_agenda(
            [
                Candidate(c.id, c.locality, c.section, c.waiting_since, c.times_rolled_over)
                for c in waiting
            ],
            panel.policy,
            schedule.panel_date,
        )
        meeting.freeze(agenda)
        for item in agenda.items:
            by_id[item.case_id].apply(Event.ADD_TO_AGENDA, now)
        for over in agenda.overflow:
            by_id[over.case_id].apply(Event.ROLL_OVER, now, over.reason)
            rolled.append((by_id[over.case_id], over.reason))
        for case_id in by_id:
            await audit.allowed(uow, now, case_id)
        for case, reason in rolled:
            if case.referred_by:
                uow.send(
                    DirectMessage(
                        case.referred_by,
                        Kind.REFERRAL_ROLLED_OVER,
                        f"rolled:{meeting.id}:{case.id}",
                        f"Case {case.reference}: {reason}",
                        {"case_id": case.id},
                        queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
                    ),
                    now,
                )
        await uow.commit()
    return meeting


def circulated_view(case: Case, fields: frozenset[CaseField]) -> dict[str, object]:
    """Only the fields the policy allows to be shared, as plain data for a 1:1 card."""
    full: dict[CaseField, object] = {
        CaseField.REFERENCE: case.reference,
        CaseField.LOCALITY: case.locality,
        CaseField.ROUTE: case.route.value,
        CaseField.CHILD_NAMES: [c.name for c in case.children],
        CaseField.CHILD_DATES_OF_BIRTH: [
            c.date_of_birth.isoformat() if c.date_of_birth else "" for c in case.children
        ],
        CaseField.FAMILY_MEMBERS: [f"{p.name} ({p.relationship})" for p in case.family],
        CaseField.PRESENTING_NEEDS: case.presenting_needs,
        CaseField.CONSENT: (
            f"{case.consent.given_by}, {case.consent.given_on.isoformat()}" if case.consent else ""
        ),
    }
    view: dict[str, object] = {"case_id": case.id}
    view.update({f.value: full[f] for f in CaseField if f in fields and f in full})
    return view


async def circulate(deps: Deps, meeting_id: str, *, actor: str | None = None) -> int:
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
        views = [circulated_view(c, fields) for c in cases]
        recipients = [m for m in panel.with_role(Role.MEMBER) if panel.agency_of(m)]
        deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
        messages: list[DirectMessage] = []
        without_teams: list[Member] = []
        for member in recipients:
            agency = panel.agency_of(member) or ""
            meeting.circulations.append(
                CirculationRecord(
                    member.person_id,
                    agency,
                    meeting.agenda.case_ids,
                    fields,
                    "Panel member: information-sharing agreement and the family's consent "
                    "to discussion at panel.",
                    now,
                )
            )
            if not member.has_teams:
                without_teams.append(member)
                continue
            messages.append(
                DirectMessage(
                    member.person_id,
                    Kind.CIRCULATION,
                    f"circulation:{meeting.id}:{member.person_id}",
                    # No count: a case withdrawn before this is sent leaves the pack.
                    f"Cases for the panel on {long_date(meeting.panel_date)}: please check "
                    "each one and answer by the deadline.",
                    {
                        "meeting_id": meeting.id,
                        "panel_name": panel.name,
                        "panel_date": meeting.panel_date.isoformat(),
                        "deadline_at": deadline.isoformat(),
                        "agency": agency,
                        "cases": views,
                    },
                    queued_for=QueuedFor(
                        panel.id, meeting.id, BEFORE_THE_PANEL, meeting.agenda.case_ids
                    ),
                )
            )
        for case in cases:
            case.apply(Event.CIRCULATE, now)
            await audit.allowed(uow, now, case.id)
        meeting.status = MeetingStatus.CIRCULATED
        for message in messages:
            uow.send(message, now)
        if without_teams:
            for support in panel.with_role(Role.BUSINESS_SUPPORT):
                uow.send(
                    DirectMessage(
                        support.person_id,
                        Kind.NO_TEAMS_LIST,
                        f"no-teams:{meeting.id}:{support.person_id}",
                        "These members are not on Teams; send them the list securely: "
                        + ", ".join(f"{m.name} <{m.email}>" for m in without_teams),
                        queued_for=QueuedFor(panel.id, meeting.id, BEFORE_THE_PANEL),
                    ),
                    now,
                )
        counts = Counter(item.section.value for item in meeting.agenda.items)
        uow.send(
            ChannelNotice(
                panel.id,
                Kind.CIRCULATION_NOTICE,
                f"circulation-notice:{meeting.id}",
                {"cases": len(views), **counts},
                f"The list for the panel on {long_date(meeting.panel_date)} has been sent to "
                f"members 1:1: {len(views)} cases. Please answer your information checks.",
                queued_for=QueuedFor(panel.id, meeting.id, BEFORE_THE_PANEL),
            ),
            now,
        )
        await uow.commit()
    return len(messages)


# -- Information checks, capacity, readiness, reminders ---------------------------------------


def _speaking_for(panel: Panel, actor: str) -> str:
    member = panel.require(actor, Role.MEMBER, Role.CHAIR)
    agency = panel.agency_of(member)
    if agency is None:
        raise NotPermitted("You are not registered for an agency on this panel.")
    return agency


async def record_info_check(
    deps: Deps,
    meeting_id: str,
    actor: str,
    case_id: str,
    known: Known,
    information: str,
    could_lead: bool,
) -> InfoCheck:
    async with audited(deps, actor, "infocheck.record", case_id=case_id) as audit:
        now = deps.clock.now()
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit)
            agency = _speaking_for(panel, actor)
            text = check_information(information, panel.policy.info_max_length)
            deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
            late = now > deadline
            if late and (case_id, agency) in meeting.answers:
                # Answers are editable until the deadline; afterwards the chair works from what
                # was given, and a first answer is still taken, marked late.
                raise DeadlinePassed(
                    "The deadline for information checks has passed, so your answer stands. "
                    "Tell the chair at the panel if it has changed."
                )
            answer = InfoCheck(case_id, agency, known, text, could_lead, actor, now, late)
            meeting.record_answer(answer)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return answer


async def record_capacity(deps: Deps, meeting_id: str, actor: str, allocations: int) -> int:
    async with audited(deps, actor, "capacity.record") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit)
            agency = _speaking_for(panel, actor)
            meeting.require_status(
                MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION, doing="give capacity"
            )
            meeting.capacity[agency] = check_capacity(allocations)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return allocations


def readiness_grid(panel: Panel, meeting: Meeting) -> ReadinessGrid:
    """Case by agency for the sitting: every member agency of the panel."""
    agencies = {a for m in panel.with_role(Role.MEMBER) if (a := panel.agency_of(m))}
    return ReadinessGrid.build(
        meeting.agenda.case_ids if meeting.agenda else (),
        agencies,
        meeting.answers.values(),
        meeting.capacity,
    )


async def readiness(deps: Deps, meeting_id: str, actor: str) -> ReadinessGrid:
    async with audited(deps, actor, "readiness.view") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, *STAFF)
        return readiness_grid(panel, meeting)


async def send_reminders(deps: Deps, meeting_id: str, slot: str) -> int:
    """Remind members with missing answers; tell the chair who is still missing.

    `slot` names the reminder time (or "on-demand-<n>"); each slot reminds each person once.
    """
    async with deps.uow() as uow:
        meeting = await uow.meetings.get(meeting_id)
        panel = deps.panels.get(meeting.panel_id)
        if meeting.status is not MeetingStatus.CIRCULATED:
            return 0
        grid = readiness_grid(panel, meeting)
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
                        Kind.INFO_CHECK_REMINDER,
                        key,
                        f"Reminder: {agency} has {missing} case(s) without an information "
                        f"check{'' if agency in grid.capacity else ' and no capacity figure'} "
                        f"for the panel on {long_date(meeting.panel_date)}.",
                        {"meeting_id": meeting.id, "missing_case_ids": grid.missing_for(agency)},
                        queued_for=QueuedFor(panel.id, meeting.id, ANSWERING),
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
                        Kind.STILL_MISSING,
                        key,
                        "Still missing: " + ", ".join(grid.agencies_missing()),
                        {"meeting_id": meeting.id},
                        queued_for=QueuedFor(panel.id, meeting.id, ANSWERING),
                    )
                )
        for message in messages:
            uow.send(message, deps.clock.now())
        await uow.commit()
    return len(messages)


async def remind_now(deps: Deps, meeting_id: str, actor: str) -> int:
    """Staff ask for reminders at once. Within the same minute a second ask (a double click)
    reminds nobody again."""
    async with audited(deps, actor, "reminders.send") as audit, deps.uow() as uow:
        _, panel = await _sitting(deps, uow, meeting_id, audit, *STAFF)
        await audit.allowed(uow, deps.clock.now())
        await uow.commit()
    slot = f"on-demand-{deps.clock.now().astimezone(timeline_of(panel).zone):%Y%m%dT%H%M}"
    return await send_reminders(deps, meeting_id, slot)


@dataclass(frozen=True)
class WeekStep:
    """What one scheduled run did; all zeros when nothing was due (running twice acts once)."""

    frozen: bool = False
    circulated: int = 0
    reminded: int = 0


async def run_week(deps: Deps, panel_id: str) -> WeekStep:
    """The week before a panel, as far as the clock says it is due: freeze at the cut-off,
    circulate at the circulation time, remind at each reminder time before the deadline.

    Two sittings are looked at, because a holiday can put the next sitting's cut-off before
    this one has met (Barnet, Christmas 2026: the cut-off for Tuesday 29 December is Monday
    21 December, the day before the panel of the 22nd). Every step is idempotent, so the
    scheduler may call this at any moment, as often as it likes, and after downtime it
    catches up in one call.
    """
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    timeline = timeline_of(panel)
    imminent = timeline.next_panel(now)
    done = WeekStep()
    for schedule in (imminent, timeline.following(imminent)):
        if now < schedule.cutoff_at:
            continue
        async with deps.uow() as uow:
            before = await uow.meetings.on_date(panel_id, schedule.panel_date)
            was_planned = before is None or before.status is MeetingStatus.PLANNED
        meeting = await freeze_agenda(deps, panel_id, panel_date=schedule.panel_date)
        if meeting is None or not meeting.items:
            done = replace(done, frozen=done.frozen or (was_planned and meeting is not None))
            continue
        circulated = 0
        if meeting.status is MeetingStatus.FROZEN and now >= schedule.circulation_at:
            circulated = await circulate(deps, meeting.id)
        reminded = 0
        for at in schedule.reminders_at:
            if at <= now < schedule.info_check_deadline_at:
                reminded += await send_reminders(deps, meeting.id, at.isoformat())
        done = WeekStep(
            done.frozen or was_planned,
            done.circulated + circulated,
            done.reminded + reminded,
        )
    return done


# -- Panel day --------------------------------------------------------------------------------


Announcements = Callable[[Panel, Meeting], Iterable[DirectMessage | ChannelNotice]]


async def start_panel(
    deps: Deps, meeting_id: str, actor: str, announce: Announcements | None = None
) -> Meeting:
    """The sitting goes into session; `announce`'s messages go with it. Starting again (the
    chair presses twice, or after a crash) changes nothing and sends them again, which the
    outbox's keys make harmless."""
    async with audited(deps, actor, "panel.start") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            if meeting.status is MeetingStatus.IN_SESSION and announce is None:
                return meeting
            if meeting.status is not MeetingStatus.IN_SESSION:
                meeting.require_status(MeetingStatus.CIRCULATED, doing="start the panel")
                meeting.status = MeetingStatus.IN_SESSION
                await audit.allowed(uow, deps.clock.now())
            for message in announce(panel, meeting) if announce else ():
                uow.send(message, deps.clock.now())
            await uow.commit()
        return meeting


async def sign_in(
    deps: Deps, meeting_id: str, actor: str, presence: Presence, accepted_statement: bool
) -> QuorumStatus:
    """Sign in for one's own agency, or (as a named deputy) for the principal's agency."""
    async with audited(deps, actor, "panel.sign-in") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit)
            member = panel.require(actor, Role.MEMBER, Role.CHAIR)
            agency = panel.agency_of(member)
            if agency is None:
                raise NotPermitted("You are not registered for an agency on this panel.")
            if presence is not Presence.APOLOGIES and not accepted_statement:
                raise InvalidInput("Accept the confidentiality statement to sign in as present.")
            if presence is Presence.DEPUTY and member.deputy_of is None:
                raise NotPermitted("You are not registered as a deputy on this panel.")
            try:
                meeting.sign_in(Attendance(actor, agency, presence, accepted_statement))
            except SeatTaken as taken:
                seated = panel.find(taken.person_id)
                raise InvalidInput(
                    f"{seated.name if seated else 'Someone'} already sits for {agency} at this "
                    "panel. One seat per agency: case cards and ballots go to them. If you are "
                    "taking over, tell the chair."
                ) from None
            status = quorum(panel.policy, meeting.attendance.values())
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return status


async def declare_conflict(deps: Deps, meeting_id: str, actor: str, case_id: str) -> None:
    async with (
        audited(deps, actor, "vote.declare-conflict", case_id=case_id) as audit,
        deps.uow() as uow,
    ):
        meeting, panel = await _sitting(deps, uow, meeting_id, audit)
        agency = _speaking_for(panel, actor)
        if meeting.open_round_for(case_id) is not None:
            raise VoteRejected("Declare a conflict before the vote opens.")
        meeting.declare_conflict(case_id, agency)
        await audit.allowed(uow, deps.clock.now())
        await uow.commit()


async def open_vote(deps: Deps, meeting_id: str, actor: str, case_id: str) -> VoteRound:
    """The chair calls the vote (only while quorate); ballots go out 1:1 with it."""
    async with audited(deps, actor, "vote.open", case_id=case_id) as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            meeting.require_status(MeetingStatus.IN_SESSION, doing="open a vote")
            meeting.require_on_agenda(case_id)
            if case_id in meeting.decisions:
                raise VoteRejected("This case already has a decision.")
            present = agencies_present(meeting.attendance.values())
            offered = [
                a.agency for a in meeting.answers.values() if a.case_id == case_id and a.could_lead
            ]
            vote = VoteRound.open(
                new_id(),
                case_id,
                candidates=choose_candidates(panel.policy, present, offered),
                present=present,
                conflicted=meeting.conflicted(case_id),
                rule=VoteRule.of(panel.policy),
                quorate=quorum(panel.policy, meeting.attendance.values()).quorate,
            )
            meeting.add_round(vote)
            await audit.allowed(uow, deps.clock.now())
            reference = (await uow.cases.get(case_id)).reference
            for ballot in ballots_for(meeting, vote, reference):
                uow.send(ballot, deps.clock.now())
            await uow.commit()
        return vote


def ballots_for(meeting: Meeting, vote: VoteRound, reference: str) -> list[DirectMessage]:
    """A ballot 1:1 to each member present for an agency that may vote in this round."""
    return [
        DirectMessage(
            person,
            Kind.VOTE_BALLOT,
            f"ballot:{vote.id}:{person}",
            f"Vote on the lead agency for case {reference}"
            + (f" (round {vote.number})." if vote.number > 1 else "."),
            {
                "meeting_id": meeting.id,
                "round_id": vote.id,
                "reference": reference,
                "agency": attendance.agency,
                "candidates": list(vote.candidates),
                "number": vote.number,
            },
            queued_for=QueuedFor(meeting.panel_id, meeting.id, SITTING, (vote.case_id,), vote.id),
        )
        for person, attendance in meeting.attendance.items()
        if attendance.counts and attendance.agency in vote.eligible
    ]


async def cast_vote(
    deps: Deps, meeting_id: str, actor: str, round_id: str, choice: str
) -> tuple[VoteCast, RoundResult | None]:
    """One vote for the actor's agency. The round closes itself when every eligible agency
    has voted; the result is returned then, and only then, and the chair hears it (with any
    re-vote's ballots) in the same transaction."""
    async with audited(deps, actor, "vote.cast") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.MEMBER, Role.CHAIR)
            agency = meeting.agency_attending_as(actor)
            if agency is None:
                raise VoteRejected("Sign in as present before voting.")
            vote = meeting.round(round_id)
            audit.case_id = vote.case_id
            quorate = quorum(panel.policy, meeting.attendance.values()).quorate
            cast = vote.cast(agency, choice, quorate=quorate)
            result = _settle(meeting, vote) if vote.everyone_voted and not cast.duplicate else None
            if result is not None:
                await _announce(uow, panel, meeting, vote, result, deps.clock.now())
            if cast.duplicate:
                # Harmless (the vote stands) but still a second attempt: recorded as refused.
                await uow.audit.add(
                    audit.entry(deps.clock.now(), allowed=False, reason="Duplicate")
                )
            else:
                await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return cast, result


async def close_vote(deps: Deps, meeting_id: str, actor: str, round_id: str) -> RoundResult:
    """The chair closes the round before everyone has voted."""
    async with audited(deps, actor, "vote.close") as audit:
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            vote = meeting.round(round_id)
            audit.case_id = vote.case_id
            result = _settle(meeting, vote)
            await _announce(uow, panel, meeting, vote, result, deps.clock.now())
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return result


async def _announce(
    uow: UnitOfWork,
    panel: Panel,
    meeting: Meeting,
    vote: VoteRound,
    result: RoundResult,
    now: datetime,
) -> None:
    """With the closing round: the chair hears the result, and a re-vote's ballots go out."""
    if result.state is RoundState.REVOTE:
        latest = [r for r in meeting.rounds.values() if r.case_id == vote.case_id][-1]
        reference = (await uow.cases.get(vote.case_id)).reference
        for ballot in ballots_for(meeting, latest, reference):
            uow.send(ballot, now)
    for chair in panel.with_role(Role.CHAIR):
        uow.send(
            DirectMessage(
                chair.person_id,
                Kind.VOTE_RESULT,
                f"result:{vote.id}:{chair.person_id}",
                f"Vote closed: {result.summary()}",
                {"meeting_id": meeting.id, "case_id": vote.case_id},
                queued_for=QueuedFor(panel.id, meeting.id, case_ids=(vote.case_id,)),
            ),
            now,
        )


def _settle(meeting: Meeting, vote: VoteRound) -> RoundResult:
    result = vote.close()
    if result.state is RoundState.REVOTE:
        meeting.add_round(
            VoteRound(
                new_id(), vote.case_id, vote.number + 1, result.contenders, vote.eligible, vote.rule
            )
        )
    return result


async def casting_vote(
    deps: Deps, meeting_id: str, actor: str, round_id: str, choice: str
) -> RoundResult:
    async with audited(deps, actor, "vote.casting") as audit:
        async with deps.uow() as uow:
            meeting, _ = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            vote = meeting.round(round_id)
            audit.case_id = vote.case_id
            result = vote.casting_vote(choice)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return result


async def record_outcome(
    deps: Deps, meeting_id: str, actor: str, decision: Decision
) -> tuple[Milestone, ...]:
    """Record the panel's decision; plan follow-up; tell the lead agency and those involved."""
    async with audited(
        deps, actor, "outcome.record", panel_id="", case_id=decision.case_id
    ) as audit:
        now = deps.clock.now()
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            meeting.require_status(MeetingStatus.IN_SESSION, doing="record an outcome")
            meeting.require_on_agenda(decision.case_id)
            if decision.case_id in meeting.decisions:
                raise InvalidInput("This case already has an outcome.")
            # An action due on a weekend, bank holiday or closure day is due the next working
            # day, as every other deadline (PRODUCT.md §2).
            decision = replace(
                decision,
                decided_on=meeting.panel_date,
                meeting_id=meeting.id,
                actions=tuple(
                    replace(a, due=panel.calendar.on_or_after(a.due)) for a in decision.actions
                ),
            )
            decided_round = _decided_round(meeting, decision.case_id)
            if decided_round is not None:
                if decided_round.result and decision.lead_agency != decided_round.result.winner:
                    raise InvalidInput("The lead agency must be the one the panel voted for.")
                decision = replace(decision, vote_round_id=decided_round.id)
            check_decision(decision, panel.policy, panel.agencies)
            case = await uow.cases.get(decision.case_id)
            milestones = plan_milestones(panel.policy, panel.calendar, decision)
            case.apply(Event.DISCUSS, now)
            case.apply(Event.RECORD_OUTCOME, now)
            closes = panel.policy.outcome(decision.outcome).closes_case
            case.apply(Event.CLOSE if closes else Event.START_TRACKING, now)
            case.decision, case.milestones = decision, milestones
            meeting.decisions[decision.case_id] = decision
            await audit.allowed(uow, deps.clock.now())
            label = panel.policy.outcome(decision.outcome).label
            about_case = QueuedFor(panel.id, case_ids=(case.id,))
            dates = "; ".join(f"{m.label} by {long_date(m.due)}" for m in milestones)
            if decision.lead_agency:
                for member in panel.members_of(decision.lead_agency):
                    uow.send(
                        DirectMessage(
                            member.person_id,
                            Kind.ALLOCATION,
                            f"allocation:{meeting.id}:{case.id}:{member.person_id}",
                            f"{decision.lead_agency} is lead for case {case.reference}. {dates}",
                            {
                                "case_id": case.id,
                                "milestones": [(m.code, m.due.isoformat()) for m in milestones],
                            },
                            queued_for=about_case,
                        ),
                        now,
                    )
            for person_id, attendance in meeting.attendance.items():
                if attendance.counts:
                    uow.send(
                        DirectMessage(
                            person_id,
                            Kind.OUTCOME,
                            f"outcome:{meeting.id}:{case.id}:{person_id}",
                            f"Case {case.reference}: {label}."
                            + (f" Lead: {decision.lead_agency}." if decision.lead_agency else ""),
                            {"case_id": case.id},
                            queued_for=about_case,
                        ),
                        now,
                    )
            for support in panel.with_role(Role.BUSINESS_SUPPORT):
                uow.send(
                    DirectMessage(
                        support.person_id,
                        Kind.RECORD_ON_CASE_SYSTEM,
                        f"record:{meeting.id}:{case.id}:{support.person_id}",
                        f"Record on the case system: case {case.reference}, {label}.",
                        {"case_id": case.id, "meeting_id": meeting.id},
                        queued_for=about_case,
                    ),
                    now,
                )
            uow.send(
                ChannelNotice(
                    panel.id,
                    Kind.OUTCOME_NOTICE,
                    f"outcome-notice:{meeting.id}:{len(meeting.decisions)}",
                    {"decided": len(meeting.decisions)},
                    f"{len(meeting.decisions)} case(s) decided so far today.",
                    queued_for=QueuedFor(panel.id, meeting.id, SITTING),
                ),
                now,
            )
            await uow.commit()
        return milestones


def _decided_round(meeting: Meeting, case_id: str) -> VoteRound | None:
    rounds = [r for r in meeting.rounds.values() if r.case_id == case_id]
    return next((r for r in reversed(rounds) if r.state is RoundState.DECIDED), None)


async def close_panel(deps: Deps, meeting_id: str, actor: str) -> Minutes:
    """Close the sitting: cases not reached roll over; minutes go 1:1 to those who attended."""
    async with audited(deps, actor, "panel.close") as audit:
        now = deps.clock.now()
        async with deps.uow() as uow:
            meeting, panel = await _sitting(deps, uow, meeting_id, audit, Role.CHAIR)
            if meeting.status is MeetingStatus.CLOSED and meeting.minutes is not None:
                return meeting.minutes
            meeting.require_status(MeetingStatus.IN_SESSION, doing="close the panel")
            for round_ in meeting.rounds.values():
                if round_.state is RoundState.OPEN:
                    raise VoteRejected("Close the open vote before closing the panel.")
            not_reached: list[str] = []
            for item in meeting.items:
                if item.case_id not in meeting.decisions:
                    case = await uow.cases.get(item.case_id)
                    case.apply(
                        Event.ROLL_OVER, now, "Not reached at panel; rolled to the next one."
                    )
                    not_reached.append(case.id)
            minutes = _minutes(panel, meeting, tuple(not_reached))
            meeting.minutes, meeting.status = minutes, MeetingStatus.CLOSED
            references = {
                i.case_id: (await uow.cases.get(i.case_id)).reference for i in meeting.items
            }
            await audit.allowed(uow, deps.clock.now())
            record = {
                "meeting_id": meeting.id,
                "panel_name": panel.name,
                "panel_date": minutes.panel_date.isoformat(),
                "present": list(minutes.present),
                "apologies": list(minutes.apologies),
                "quorum": minutes.quorum,
                "items": [
                    {
                        "number": i.number,
                        "reference": references.get(i.case_id, ""),
                        "outcome": i.outcome,
                        "lead_agency": i.lead_agency,
                        "tally": i.tally,
                        "actions": list(i.actions),
                    }
                    for i in minutes.items
                ],
                "not_reached": [references.get(c, "") for c in minutes.not_reached],
                "aob": list(minutes.aob),
            }
            for person_id, attendance in meeting.attendance.items():
                if attendance.counts:
                    uow.send(
                        DirectMessage(
                            person_id,
                            Kind.MINUTES,
                            f"minutes:{meeting.id}:{person_id}",
                            f"Minutes of the panel on {long_date(meeting.panel_date)}.",
                            record,
                            queued_for=QueuedFor(panel.id),
                        ),
                        now,
                    )
            await uow.commit()
        return minutes


def _minutes(panel: Panel, meeting: Meeting, not_reached: tuple[str, ...]) -> Minutes:
    items: list[MinutesItem] = []
    for item in meeting.items:
        decision = meeting.decisions.get(item.case_id)
        if decision is None:
            continue
        voted = meeting.rounds.get(decision.vote_round_id or "")
        tally = voted.result.summary() if voted and voted.result else "No vote: agreed."
        items.append(
            MinutesItem(
                item.number,
                item.case_id,
                panel.policy.outcome(decision.outcome).label,
                decision.lead_agency,
                tally,
                tuple(f"{a.owner}: {a.text} by {long_date(a.due)}" for a in decision.actions),
            )
        )
    people = meeting.attendance.values()
    return Minutes(
        meeting.panel_date,
        tuple(sorted(a.agency for a in people if a.counts)),
        tuple(sorted(a.agency for a in people if a.presence is Presence.APOLOGIES)),
        quorum(panel.policy, people).line(),
        tuple(items),
        not_reached,
        tuple(meeting.aob),
    )


# -- After the panel --------------------------------------------------------------------------


async def mark_milestone(
    deps: Deps,
    panel_id: str,
    actor: str,
    case_id: str,
    code: str,
    *,
    done_on: date | None = None,
    not_possible: str = "",
) -> tuple[Milestone, ...]:
    """The lead agency (or staff) marks a milestone done on a date, or not possible (reason)."""
    async with audited(deps, actor, "milestone.mark", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        member = panel.require(actor, Role.MEMBER, Role.PRACTITIONER, *STAFF)
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            lead = case.decision.lead_agency if case.decision else None
            if not member.roles & set(STAFF) and panel.agency_of(member) != lead:
                raise NotPermitted("Only the lead agency can mark this case's milestones.")
            if case.status is not Status.TRACKING:
                raise InvalidInput("This case's follow-up is not being tracked.")
            if done_on is not None:
                if done_on > deps.clock.now().date():
                    raise InvalidInput("A milestone cannot be done on a future date.")
                case.milestones = complete_milestone(
                    case.milestones, code, done_on, panel.policy, panel.calendar
                )
            elif not_possible.strip() and len(not_possible) <= 500:
                case.milestones = tuple(
                    replace(m, not_possible=not_possible.strip())
                    if m.code == code and m.open
                    else m
                    for m in case.milestones
                )
            else:
                raise InvalidInput("Give a date it was done, or a short reason it is not possible.")
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()
        return case.milestones


async def mark_stuck(deps: Deps, panel_id: str, actor: str, case_id: str, reason: str) -> None:
    """Barnet §22: a stuck case goes back to a panel; it waits for the next agenda."""
    async with audited(deps, actor, "case.mark-stuck", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        panel.require(actor, Role.MEMBER, Role.PRACTITIONER, *STAFF)
        if not reason.strip() or len(reason) > 500:
            raise InvalidInput("Say briefly why the case is stuck (at most 500 characters).")
        async with deps.uow() as uow:
            case = await _case_of(uow, panel_id, case_id)
            case.apply(Event.MARK_STUCK, deps.clock.now(), reason.strip())
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()


async def bring_back_if_due(
    uow: UnitOfWork, panel: Panel, case: Case, before: date, now: datetime
) -> bool:
    """If the case's panel review (St Helens: 3 months) falls due before the sitting on
    `before`, put it back for that agenda. True if it did."""
    if not any(m.brings_back_to_panel and m.open and m.due <= before for m in case.milestones):
        return False
    case.apply(Event.REVIEW_DUE, now, "Panel review due.")
    await Audit(SYSTEM, "case.review-due").about(panel).allowed(uow, now, case.id)
    return True


async def bring_back_reviews(deps: Deps, panel_id: str) -> int:
    """Cases whose panel review falls due before the next sitting go back on its agenda."""
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    schedule = timeline_of(panel).next_open_for_listing(now)
    count = 0
    async with deps.uow() as uow:
        for case in await uow.cases.tracking(panel_id):
            count += await bring_back_if_due(uow, panel, case, schedule.panel_date, now)
        await uow.commit()
    return count
