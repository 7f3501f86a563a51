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
from datetime import date

from panel.calendar import long_date
from panel.cases import Case
from panel.errors import InvalidInput, NotFound, NotPermitted
from panel.lifecycle import Event, Status
from panel.outcomes import Milestone
from panel.ports import DirectMessage, Kind
from panel.relevance import QueuedFor
from panel.roster import Member, Panel, Role
from panel.services import (
    STAFF,
    SYSTEM,
    Audit,
    Deps,
    audited,
    bring_back_if_due,
    timeline_of,
)


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


def _managers_and_chairs(panel: Panel, leads: Iterable[Member]) -> list[str]:
    people = [m.manager_id for m in leads if m.manager_id]
    people += [c.person_id for c in panel.with_role(Role.CHAIR)]
    return list(dict.fromkeys(people))


def _nudge(
    kind: str, case: Case, milestone: Milestone, person: str, text: str, panel: Panel
) -> DirectMessage:
    return DirectMessage(
        person,
        Kind.MILESTONE_DUE,
        f"{kind}:{case.id}:{milestone.code}:{milestone.due.isoformat()}:{person}",
        text,
        {
            "panel_id": panel.id,
            "case_id": case.id,
            "reference": case.reference,
            "milestone": milestone.code,
            "label": milestone.label,
            "due": milestone.due.isoformat(),
            "stage": kind,
        },
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
            lead = case.decision.lead_agency if case.decision else None
            if lead is None:
                continue
            leads = lead_people(panel, lead)
            touched = False
            for m in (m for m in case.milestones if m.open):
                if today < m.due:
                    ahead = panel.calendar.working_days_between(today, m.due)
                    if ahead > panel.policy.nudge_before_working_days:
                        continue
                    stage, people = "upcoming", [p.person_id for p in leads]
                    text = (
                        f"Case {case.reference}: {m.label} is due by {long_date(m.due)} "
                        f"({ahead} working day(s))."
                    )
                elif today == m.due:
                    stage, people = "due", [p.person_id for p in leads]
                    text = f"Case {case.reference}: {m.label} is due today."
                else:
                    stage, people = "overdue", _managers_and_chairs(panel, leads)
                    text = (
                        f"Overdue: case {case.reference}, {lead}: {m.label} was due "
                        f"{long_date(m.due)}."
                    )
                counts[stage] += 1
                touched = True
                messages += [_nudge(stage, case, m, p, text, panel) for p in people]
            if touched:
                await audit.allowed(uow, now, case.id)
        for message in messages:
            uow.send(message, now)
        await uow.commit()
    return FollowUpStep(counts["upcoming"], counts["due"], counts["overdue"], reviews)


async def close_case(deps: Deps, panel_id: str, actor: str, case_id: str, reason: str) -> None:
    """The lead agency (or staff) closes a tracked case: support has ended, tracking stops."""
    async with audited(deps, actor, "case.close", panel_id=panel_id, case_id=case_id) as audit:
        panel = deps.panels.get(panel_id)
        member = panel.require(actor, Role.MEMBER, Role.PRACTITIONER, *STAFF)
        reason = reason.strip()
        if not reason or len(reason) > 500:
            raise InvalidInput("Say briefly why support has ended (at most 500 characters).")
        async with deps.uow() as uow:
            case = await uow.cases.get(case_id)
            if case.panel_id != panel_id:
                raise NotFound("That case does not exist.")
            lead = case.decision.lead_agency if case.decision else None
            if not member.roles & set(STAFF) and panel.agency_of(member) != lead:
                raise NotPermitted("Only the lead agency can close this case.")
            case.apply(Event.CLOSE, deps.clock.now(), reason)
            await audit.allowed(uow, deps.clock.now())
            await uow.commit()


@dataclass(frozen=True)
class DriftLine:
    case_id: str
    reference: str
    lead_agency: str
    why: str


@dataclass(frozen=True)
class DriftReport:
    """Barnet §22.2: assessments not started, reviews overdue, episodes open over a year."""

    panel_name: str
    on: date
    not_started: tuple[DriftLine, ...]
    reviews_overdue: tuple[DriftLine, ...]
    open_too_long: tuple[DriftLine, ...]


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
    async with deps.uow() as uow:
        audit = Audit(SYSTEM, "drift.report").about(panel)
        for case in await uow.cases.tracking(panel_id):
            if case.decision is None or case.status is not Status.TRACKING:
                continue
            lead = case.decision.lead_agency or ""
            overdue = [m for m in case.milestones if m.open and m.due < today]
            first = [m for m in overdue if not _is_review(m)]
            if first:
                not_started.append(
                    DriftLine(case.id, case.reference, lead, f"{first[0].label}: overdue")
                )
            if any(_is_review(m) for m in overdue):
                reviews.append(DriftLine(case.id, case.reference, lead, "review overdue"))
            open_too_long = (
                panel.calendar.due_date(case.decision.decided_on, panel.policy.drift_open_over)
                <= today
            )
            if open_too_long:
                too_long.append(
                    DriftLine(
                        case.id, case.reference, lead, f"open since {case.decision.decided_on}"
                    )
                )
            if overdue or open_too_long:
                await audit.allowed(uow, now, case.id)
        report = DriftReport(panel.name, today, tuple(not_started), tuple(reviews), tuple(too_long))
        recipients = [c.person_id for c in panel.with_role(Role.CHAIR)]
        recipients += [m.manager_id for m in panel.members if m.manager_id]
        for person in dict.fromkeys(recipients):
            uow.send(
                DirectMessage(
                    person,
                    Kind.DRIFT_REPORT,
                    f"drift:{panel.id}:{today:%Y-%m}:{person}",
                    f"Drift report for {panel.name}, {long_date(today)}: "
                    f"{len(report.not_started)} not started, {len(report.reviews_overdue)} reviews "
                    f"overdue, {len(report.open_too_long)} open over "
                    f"{panel.policy.drift_open_over}.",
                    {
                        "panel_id": panel.id,
                        "sections": {
                            "Assessments or first steps not started": _lines(report.not_started),
                            "Reviews overdue": _lines(report.reviews_overdue),
                            f"Open over {panel.policy.drift_open_over}": _lines(
                                report.open_too_long
                            ),
                        },
                    },
                    queued_for=QueuedFor(panel.id),
                ),
                now,
            )
        await uow.commit()
    return report


def _lines(lines: tuple[DriftLine, ...]) -> list[str]:
    return [f"{line.reference} ({line.lead_agency}): {line.why}" for line in lines]
