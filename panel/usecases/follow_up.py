"""After the panel: the lead is nudged before each milestone and on its day, an overdue one
goes to their manager and the chair, panel reviews come back to the agenda, and a monthly
drift report goes to chairs and managers (Barnet §22).

Every nudge has an idempotency key that names the case, the milestone and its due date, so
the daily sweep may run as often as it likes (or on two instances) and each nudge goes once;
a milestone re-dated (because the one it counts from was done) is nudged again for its new
date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from panel.calendar import Period, Unit, long_date
from panel.cases import Case
from panel.errors import InvalidInput, NotPermitted
from panel.lifecycle import Event, Status
from panel.messages import DirectMessage, DriftSummary, MilestoneNudge, StepUpNotice
from panel.outcomes import (
    Milestone,
    complete_milestone,
    may_extend,
    milestone_not_possible,
)
from panel.outcomes import extend_milestone as extend_milestone_rule
from panel.ports import UnitOfWork
from panel.relevance import QueuedFor
from panel.roster import Member, Panel, Role
from panel.usecases.common import ACTING, STAFF, SYSTEM, Audit, Deps, case_of, on_panel, timeline_of
from panel.words import plural


@dataclass(frozen=True)
class FollowUpStep:
    upcoming: int = 0
    due_today: int = 0
    overdue: int = 0
    reviews_back: int = 0


def lead_people(panel: Panel, agency: str) -> tuple[Member, ...]:
    """Who acts for the lead agency: its members and its practitioners."""
    return tuple(
        m
        for m in panel.members
        if m.roles & {Role.MEMBER, Role.PRACTITIONER} and panel.agency_of(m) == agency
    )


def _who_acts(panel: Panel, case: Case, milestone: Milestone, agency: str) -> tuple[Member, ...]:
    """The named lead practitioner, for the lead's own milestones; otherwise everyone acting
    for the agency (its members and practitioners), until one is named."""
    named = panel.find(case.lead.practitioner) if case.lead is not None else None
    if named is not None and not milestone.owner:
        return (named,)
    return lead_people(panel, agency)


def _managers_and_chairs(panel: Panel, leads: Iterable[Member]) -> list[str]:
    people = [m.manager_id for m in leads if m.manager_id]
    people += [c.person_id for c in panel.with_role(Role.CHAIR)]
    return list(dict.fromkeys(people))


def _may_act(panel: Panel, person: str, agency: str) -> bool:
    """Whether the person's card may offer the milestone's buttons: staff, or someone acting
    for the agency (a manager named only as a practitioner's `manager`, with no role on the
    panel, is told, not offered what they could not do)."""
    member = panel.find(person)
    if member is None:
        return False
    return bool(member.roles & set(STAFF)) or (
        bool(member.roles & set(ACTING)) and panel.agency_of(member) == agency
    )


def card_for(
    panel: Panel, case: Case, milestone: Milestone, stage: str, person: str, who: str = ""
) -> MilestoneNudge:
    """A milestone as its reader's card: what they may do on it (mark, extend, step up,
    close), and, overdue, who is to do it."""
    reader = panel.find(person)
    agency = milestone.owner or case.lead_agency(panel.policy) or ""
    return MilestoneNudge(
        panel.id,
        case.id,
        case.reference,
        milestone.code,
        milestone.label,
        milestone.due,
        stage,
        may_extend(milestone, panel.policy, reader.roles if reader else frozenset()),
        acts=_may_act(panel, person, agency),
        agency=agency,
        who=who if stage == "overdue" else "",
        closure_checks=panel.policy.closure_checks,
    )


def _nudge(
    kind: str, case: Case, milestone: Milestone, person: str, text: str, panel: Panel, who: str
) -> DirectMessage:
    return DirectMessage(
        person,
        f"{kind}:{case.id}:{milestone.code}:{milestone.due.isoformat()}:{person}",
        text,
        card_for(panel, case, milestone, kind, person, who),
        # A nudge about a case closed (or sent back to panel) before it went out is dropped.
        queued_for=QueuedFor(
            panel.id, case_ids=(case.id,), case_states=frozenset({Status.TRACKING})
        ),
    )


async def run_follow_up(deps: Deps, panel_id: str) -> FollowUpStep:
    """The daily sweep of tracked cases for one panel."""
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    today = now.astimezone(timeline_of(panel).zone).date()
    if not panel.calendar.is_working_day(today):
        # Nobody is nudged at a weekend or on a bank holiday; Monday's sweep catches up.
        return FollowUpStep()
    next_sitting = timeline_of(panel).next_open_for_listing(now).panel_date
    messages: list[DirectMessage] = []
    counts = {"upcoming": 0, "due": 0, "overdue": 0}
    reviews = 0
    async with deps.uow() as uow:
        audit = Audit(SYSTEM, "follow-up.sweep").about(panel)
        for case in await uow.cases.tracking(panel_id):
            # One pass over the tracked cases: a panel review due goes back to the agenda
            # (as `bring_back_reviews` does) and is not chased.
            if await bring_back_if_due(uow, panel, case, next_sitting, now):
                reviews += 1
                continue
            nudged = _nudges(panel, case, today)
            for stage, to_people in nudged:
                counts[stage] += 1
                messages += to_people
            touched = bool(nudged)
            if touched:
                await audit.allowed(uow, now, case.id)
        for message in messages:
            uow.send(message, now)
        await uow.commit()
    return FollowUpStep(counts["upcoming"], counts["due"], counts["overdue"], reviews)


def _nudges(panel: Panel, case: Case, today: date) -> list[tuple[str, list[DirectMessage]]]:
    """Each open milestone near or past its date, its stage and its nudges: the lead before and
    on the day, their manager and the chair once it is overdue."""
    if case.decision is None:
        return []
    nudges: list[tuple[str, list[DirectMessage]]] = []
    for m in (m for m in case.milestones if m.open):
        lead = m.owner or case.lead_agency(panel.policy)
        if lead is None:
            continue
        leads = _who_acts(panel, case, m, lead)
        who = ""
        if today < m.due:
            ahead = panel.calendar.working_days_between(today, m.due)
            if ahead > panel.policy.nudge_before_working_days:
                continue
            stage, people = "upcoming", [p.person_id for p in leads]
            text = (
                f"Case {case.reference}: {m.label} is due by {long_date(m.due)} "
                f"({plural(ahead, 'working day')})."
            )
        elif today == m.due:
            stage, people = "due", [p.person_id for p in leads]
            text = f"Case {case.reference}: {m.label} is due today."
        else:
            stage, people = "overdue", _managers_and_chairs(panel, leads)
            named = ", ".join(p.name for p in leads) if len(leads) == 1 else ""
            who = f"{lead} ({named})" if named else lead
            text = f"Overdue: case {case.reference}, {who}: {m.label} was due {long_date(m.due)}."
        nudges.append((stage, [_nudge(stage, case, m, p, text, panel, who) for p in people]))
    return nudges


async def close_case(
    deps: Deps,
    *,
    panel_id: str,
    actor: str,
    case_id: str,
    reason: str,
    confirmed: frozenset[str] = frozenset(),
) -> None:
    """The lead agency (or staff) closes a tracked case: support has ended, tracking stops.
    Each of the policy's closure checks must be `confirmed` first."""
    roles = (*ACTING, *STAFF)
    async with on_panel(deps, actor, "case.close", panel_id, *roles, case_id=case_id) as work:
        reason = reason.strip()
        if not reason or len(reason) > 500:
            raise InvalidInput("Say briefly why support has ended (at most 500 characters).")
        case = await case_of(work.uow, panel_id, case_id)
        _require_lead(work.panel, actor, case, "Only the lead agency can close this case.")
        unconfirmed = [c for c in work.panel.policy.closure_checks if c not in confirmed]
        if unconfirmed:
            raise InvalidInput(
                "Before closing, confirm: " + " ".join(unconfirmed) + " Tick it to close."
                if len(unconfirmed) == 1
                else "Before closing, confirm: " + " ".join(unconfirmed) + " Tick each to close."
            )
        case.apply(Event.CLOSE, work.now(), reason)
        await work.done()


def _require_lead(
    panel: Panel, actor: str, case: Case, refusal: str, milestone: str | None = None
) -> None:
    """Staff, or someone of the case's lead agency (or of the agency doing `milestone`)."""
    member = panel.require(actor)
    agencies = {case.lead_agency(panel.policy)}
    if milestone is not None:
        agencies |= {m.owner for m in case.milestones if m.code == milestone and m.owner}
    if not member.roles & set(STAFF) and panel.agency_of(member) not in agencies - {None}:
        raise NotPermitted(refusal)


async def mark_milestone(
    deps: Deps,
    *,
    panel_id: str,
    actor: str,
    case_id: str,
    code: str,
    done_on: date | None = None,
    not_possible: str = "",
) -> tuple[Milestone, ...]:
    """The lead agency (or staff) marks a milestone done on a date, or not possible (reason)."""
    action = "milestone.done" if done_on is not None else "milestone.not-possible"
    roles = (*ACTING, *STAFF)
    async with on_panel(deps, actor, action, panel_id, *roles, case_id=case_id) as work:
        case = await case_of(work.uow, panel_id, case_id)
        _require_lead(
            work.panel,
            actor,
            case,
            "Only the agency doing it (or the lead agency) can mark this milestone.",
            milestone=code,
        )
        if case.status is not Status.TRACKING:
            raise InvalidInput("This case's follow-up is not being tracked.")
        if done_on is not None:
            if done_on > work.now().date():
                raise InvalidInput("A milestone cannot be done on a future date.")
            case.milestones = complete_milestone(
                case.milestones, code, done_on, work.panel.policy, work.panel.calendar
            )
        else:
            case.milestones = milestone_not_possible(
                case.milestones, code, not_possible, work.panel.policy, work.panel.calendar
            )
        await work.done()
        return case.milestones


async def extend_milestone(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, code: str, reason: str
) -> tuple[Milestone, ...]:
    """Barnet 001 §21.4: Universal Plus work «up to 6 weeks, with a possible extension if agreed
    in supervision up to 12 weeks maximum»: the milestone is put back once, with who agreed."""
    roles = (*ACTING, *STAFF)
    async with on_panel(deps, actor, "milestone.extend", panel_id, *roles, case_id=case_id) as work:
        case = await case_of(work.uow, panel_id, case_id)
        _require_lead(
            work.panel,
            actor,
            case,
            "Only the agency doing it (or the lead agency) can extend this milestone.",
            milestone=code,
        )
        if case.status is not Status.TRACKING or case.decision is None:
            raise InvalidInput("This case's follow-up is not being tracked.")
        who = work.panel.require(actor)
        if work.panel.policy.milestone(code).extension_by_manager and not who.roles & {
            Role.MANAGER,
            *STAFF,
        }:
            # Barnet 001 §14.2: «line management approval to extend the engagement period».
            raise NotPermitted("Only a manager can extend this: ask your line manager.")
        case.milestones = extend_milestone_rule(
            case.milestones,
            code,
            reason,
            case.decision.decided_on,
            work.panel.policy,
            work.panel.calendar,
        )
        await work.done()
        return case.milestones


@dataclass(frozen=True)
class SteppedUp:
    mash_contact: str  # how to reach the MASH now ("" when the council has not set it)
    manager_told: bool  # whether a line manager was found to tell


async def step_up(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, concern: str
) -> SteppedUp:
    """Barnet 001 §12.1: on an immediate safeguarding concern «the Lead Professional (LP) needs
    to first discuss the concerns with their line manager», and the MASH decides (§12.3).
    Recorded with who and when; the line manager, the chairs and business support are told;
    the case stays open until the MASH's decision is known."""
    roles = (*ACTING, *STAFF)
    async with on_panel(deps, actor, "case.step-up", panel_id, *roles, case_id=case_id) as work:
        panel = work.panel
        concern = concern.strip()
        if not concern or len(concern) > 500:
            raise InvalidInput("Say what the safeguarding concern is (at most 500 characters).")
        case = await case_of(work.uow, panel_id, case_id)
        _require_lead(panel, actor, case, "Only the lead agency can step this case up.")
        case.apply(Event.STEP_UP, work.now(), concern)
        who = panel.require(actor)
        what = (
            f"{who.name} stepped case {case.reference} up to the MASH on "
            f"{long_date(work.today())}, with "
            "safeguarding concerns. The family's support stays in place until the MASH decides."
        )
        lead = panel.find(case.lead.practitioner) if case.lead else None
        managers = [p.manager_id for p in (who, lead) if p is not None and p.manager_id]
        told = [*managers, *(m.person_id for m in panel.with_role(*STAFF))]
        steps = sum(1 for t in case.history if t.event is Event.STEP_UP)
        for person in dict.fromkeys(p for p in told if p != actor):
            work.send(
                DirectMessage(
                    person,
                    f"step-up:{case.id}:{steps}:{person}",
                    what,
                    StepUpNotice(case.reference, what, concern, panel.policy.mash_contact),
                    queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
                )
            )
        await work.done(case_id)
        return SteppedUp(panel.policy.mash_contact, bool(managers))


async def mark_stuck(deps: Deps, *, panel_id: str, actor: str, case_id: str, reason: str) -> None:
    """Barnet §22: a stuck case goes back to a panel; it waits for the next agenda."""
    roles = (*ACTING, *STAFF)
    async with on_panel(deps, actor, "case.stuck", panel_id, *roles, case_id=case_id) as work:
        if not reason.strip() or len(reason) > 500:
            raise InvalidInput("Say briefly why the case is stuck (at most 500 characters).")
        case = await case_of(work.uow, panel_id, case_id)
        case.apply(Event.MARK_STUCK, work.now(), reason.strip())
        await work.done()


async def bring_back_if_due(
    uow: UnitOfWork, panel: Panel, case: Case, before: date, now: datetime
) -> bool:
    """If the case's panel review (St Helens: 3 months) falls due before the meeting on
    `before`, put it back for that agenda. True if it did."""
    if not any(m.brings_back_to_panel and m.open and m.due <= before for m in case.milestones):
        return False
    case.apply(Event.REVIEW_DUE, now, "Panel review due.")
    await Audit(SYSTEM, "case.review-due").about(panel).allowed(uow, now, case.id)
    return True


async def bring_back_reviews(deps: Deps, panel_id: str) -> int:
    """Cases whose panel review falls due before the next meeting go back on its agenda."""
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    schedule = timeline_of(panel).next_open_for_listing(now)
    count = 0
    async with deps.uow() as uow:
        for case in await uow.cases.tracking(panel_id):
            count += await bring_back_if_due(uow, panel, case, schedule.panel_date, now)
        await uow.commit()
    return count


@dataclass(frozen=True)
class DriftLine:
    case_id: str
    reference: str
    lead_agency: str
    why: str


@dataclass(frozen=True)
class DriftReport:
    """Barnet §22.2: assessments not started, reviews overdue, episodes open over a year, and
    those «approaching being open for more than a year» (they will be before the next report)."""

    panel_name: str
    on: date
    not_started: tuple[DriftLine, ...]
    reviews_overdue: tuple[DriftLine, ...]
    open_too_long: tuple[DriftLine, ...]
    approaching: tuple[DriftLine, ...] = ()


def _is_review(milestone: Milestone) -> bool:
    return "review" in milestone.code


async def drift_report(deps: Deps, panel_id: str) -> DriftReport:
    """This month's drift report, sent 1:1 to the panel's chairs and the leads' managers."""
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    today = now.astimezone(timeline_of(panel).zone).date()
    not_started: list[DriftLine] = []
    reviews: list[DriftLine] = []
    too_long: list[DriftLine] = []
    approaching: list[DriftLine] = []
    next_report = panel.calendar.due_date(today, Period(1, Unit.MONTHS))
    async with deps.uow() as uow:
        audit = Audit(SYSTEM, "drift.report").about(panel)
        for case in await uow.cases.tracking(panel_id):
            if case.decision is None or case.status is not Status.TRACKING:
                continue
            lead = case.lead_agency(panel.policy) or ""
            overdue = [m for m in case.milestones if m.open and m.due < today]
            first = [m for m in overdue if not _is_review(m)]
            if first:
                not_started.append(
                    DriftLine(case.id, case.reference, lead, f"{first[0].label}: overdue")
                )
            if any(_is_review(m) for m in overdue):
                reviews.append(DriftLine(case.id, case.reference, lead, "review overdue"))
            over = panel.calendar.due_date(case.decision.decided_on, panel.policy.drift_open_over)
            since = DriftLine(
                case.id, case.reference, lead, f"open since {long_date(case.decision.decided_on)}"
            )
            if over <= today:
                too_long.append(since)
            elif over <= next_report:
                approaching.append(since)
            if overdue or over <= next_report:
                await audit.allowed(uow, now, case.id)
        report = DriftReport(
            panel.name,
            today,
            tuple(not_started),
            tuple(reviews),
            tuple(too_long),
            tuple(approaching),
        )
        for message in _drift_messages(panel, report):
            uow.send(message, now)
        await uow.commit()
    return report


def _drift_messages(panel: Panel, report: DriftReport) -> list[DirectMessage]:
    """The report, 1:1 to the panel's chairs and the leads' managers."""
    recipients = [c.person_id for c in panel.with_role(Role.CHAIR)]
    recipients += [m.manager_id for m in panel.members if m.manager_id]
    over = panel.policy.drift_open_over
    summary = DriftSummary(
        panel.id,
        (
            ("Assessments or first steps not started", _lines(report.not_started)),
            ("Reviews overdue", _lines(report.reviews_overdue)),
            (f"Open over {over}", _lines(report.open_too_long)),
            (f"Open {over} before the next report", _lines(report.approaching)),
        ),
    )
    return [
        DirectMessage(
            person,
            f"drift:{panel.id}:{report.on:%Y-%m}:{person}",
            f"Drift report for {panel.name}, {long_date(report.on)}: "
            f"{len(report.not_started)} not started, {len(report.reviews_overdue)} reviews "
            f"overdue, {len(report.open_too_long)} open over {over}.",
            summary,
            queued_for=QueuedFor(panel.id),
        )
        for person in dict.fromkeys(recipients)
    ]


def _lines(lines: tuple[DriftLine, ...]) -> tuple[str, ...]:
    return tuple(f"{line.reference} ({line.lead_agency}): {line.why}" for line in lines)
