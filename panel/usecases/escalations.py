"""Escalation as a result (issue 15): when the panel cannot agree a lead, the chair records the
escalation at the table (its first stage, its owner, the interim service the family keeps);
the owner later raises it to the next stage, with the reason, or records its resolution from
Teams, which becomes the case's decision and starts its follow-up as any outcome does.

Camden 002: «Where agreement cannot be reached by vote, the escalation policy will be activated
by the chair» and «a dispute between agencies should never leave the family without a service.»
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from panel.calendar import long_date
from panel.cases import Case
from panel.errors import InvalidInput, NotPermitted
from panel.escalations import Escalation, escalate, raise_stage, resolve
from panel.lifecycle import Event
from panel.meeting import Meeting, MeetingStatus
from panel.messages import DirectMessage, EscalationNotice, RecordOnCaseSystem
from panel.outcomes import (
    Decision,
    Milestone,
    check_decision,
    closes_case,
    outcome_labels,
    plan_milestones,
)
from panel.relevance import QueuedFor
from panel.roster import Panel, Role
from panel.usecases.common import STAFF, Deps, Work, at_meeting, case_of, on_panel
from panel.usecases.console import tell_consoles
from panel.usecases.outcomes import tell_carrier
from panel.usecases.referrers import tell_referrer


@dataclass(frozen=True)
class EscalationView:
    """What the owner's resolution form needs."""

    panel_id: str
    case_id: str
    reference: str
    escalation: Escalation
    owner_name: str
    next_stage: str  # "" at the last stage
    outcomes: tuple[tuple[str, str], ...]
    agencies: tuple[str, ...]
    combine_outcomes: bool

    def notice(self, what: str, *, acts: bool) -> EscalationNotice:
        """The escalation as its card shows it; `acts`: with the buttons to raise or resolve
        it, while it is open."""
        e = self.escalation
        return EscalationNotice(
            self.panel_id,
            self.case_id,
            self.reference,
            what,
            tuple((s.stage, s.on, s.reason) for s in e.steps),
            e.route,
            self.owner_name,
            e.interim_service,
            e.interim_agency or "",
            e.resolution,
            self.next_stage if e.open else "",
            acts=acts and e.open,
        )


async def record_escalation(
    deps: Deps,
    *,
    meeting_id: str,
    actor: str,
    case_id: str,
    owner: str,
    interim_service: str,
    interim_agency: str | None = None,
) -> Escalation:
    """The chair escalates the item at the table: its first stage, owner and interim service."""
    async with at_meeting(
        deps, actor, "escalation.record", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        meeting, panel = work.meeting, work.panel
        _require_undecided(meeting, case_id)
        owner_member = panel.find(owner)
        if owner_member is None or not owner_member.has_teams:
            raise InvalidInput("Choose who owns the escalation from the panel's people on Teams.")
        case = await work.uow.cases.get(case_id)
        escalation = escalate(
            panel.policy,
            case_id,
            owner=owner,
            on=work.today(),  # the day it was escalated (a panel can start early)
            interim_service=interim_service,
            interim_agency=interim_agency,
            agencies=panel.agencies,
            meeting_id=meeting.id,
        )
        case.apply(Event.DISCUSS, work.now())
        case.apply(Event.ESCALATE, work.now(), escalation.stage)
        case.escalation = escalation
        meeting.done.add(f"escalated:{case_id}")
        await work.audit.allowed(work.uow, work.now())
        _tell(work, case, escalation, f"escalated:{case.id}", "The case was escalated.")
        for message in tell_referrer(
            panel,
            case,
            f"could not be agreed at the panel on {long_date(meeting.panel_date)} and has been "
            f"escalated ({escalation.stage}). The family keeps a service meanwhile.",
            f"escalated:{meeting.id}:{case.id}",
        ):
            work.send(message)
        await tell_consoles(work, skip=actor)
        await work.uow.commit()
        return escalation


def _require_undecided(meeting: Meeting, case_id: str) -> None:
    """Only an item the panel is still deciding today can be escalated."""
    meeting.require_status(MeetingStatus.IN_SESSION, doing="escalate a case")
    meeting.require_on_agenda(case_id)
    if case_id in meeting.decisions or f"escalated:{case_id}" in meeting.done:
        raise InvalidInput("This case already has its result for today.")
    if meeting.vote_undecided(case_id):
        raise InvalidInput("A vote on this case is still open: close it first.")


async def escalation_view(deps: Deps, *, panel_id: str, actor: str, case_id: str) -> EscalationView:
    """The escalation as its owner (or a chair) sees it, to raise or resolve it."""
    async with on_panel(deps, actor, "escalation.view", panel_id, case_id=case_id) as work:
        case, escalation = await _owned(work, actor, case_id)
        await work.done(case_id)
        return _view(work.panel, case, escalation)


async def raise_escalation(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, reason: str
) -> Escalation:
    """To the next stage, with the reason this one could not resolve it."""
    async with on_panel(deps, actor, "escalation.raise", panel_id, case_id=case_id) as work:
        case, escalation = await _owned(work, actor, case_id)
        escalation = raise_stage(escalation, work.panel.policy, on=work.today(), reason=reason)
        case.escalation = escalation
        case.apply(Event.ESCALATE, work.now(), escalation.stage)
        await work.audit.allowed(work.uow, work.now(), case_id)
        _tell(
            work,
            case,
            escalation,
            f"escalation-raised:{case.id}:{len(escalation.steps)}",
            f"The escalation went to the next stage: {escalation.stage}.",
            skip=actor,  # the card they pressed shows it
        )
        await work.uow.commit()
        return escalation


async def resolve_escalation(
    deps: Deps, *, panel_id: str, actor: str, decision: Decision, resolution: str
) -> EscalationView:
    """The owner records how it was resolved: that is the case's decision, and its follow-up
    starts; the lead (or the agency carrying it), the chair and business support are told."""
    case_id = decision.case_id
    async with on_panel(deps, actor, "escalation.resolve", panel_id, case_id=case_id) as work:
        panel = work.panel
        case, escalation = await _owned(work, actor, case_id)
        today = work.today()
        escalation = resolve(escalation, on=today, resolution=resolution)
        decision = replace(
            decision,
            decided_on=today,
            meeting_id=escalation.meeting_id,
            escalated=True,
            agreed=False,
            vote_round_id=None,
        )
        check_decision(decision, panel.policy, panel.agencies)
        milestones = plan_milestones(panel.policy, panel.calendar, decision, case.route)
        now = work.now()
        case.apply(Event.RESOLVE_ESCALATION, now)
        case.apply(
            Event.CLOSE if closes_case(decision, panel.policy) else Event.START_TRACKING, now
        )
        case.decision, case.milestones, case.escalation = decision, milestones, escalation
        await work.audit.allowed(work.uow, now, case_id)
        _tell_resolution(work, case, decision, milestones, actor)
        if escalation.meeting_id:
            meeting = await work.uow.meetings.get(escalation.meeting_id)
            if meeting.status is MeetingStatus.IN_SESSION:  # resolved while the panel sits
                meeting.decisions[case.id] = decision  # as it will read once committed
                await tell_consoles(replace(work, _meeting=meeting))
        await work.uow.commit()
        return _view(panel, case, escalation)


def _tell_resolution(
    work: Work, case: Case, decision: Decision, milestones: tuple[Milestone, ...], actor: str
) -> None:
    """As for an outcome recorded at the table: the lead (or the agency carrying it), business
    support to record it, the referrer; and the escalation's owner, chairs and interim agency."""
    panel, escalation = work.panel, case.escalation
    assert escalation is not None  # noqa: S101 (resolved just now)
    label = outcome_labels(decision, panel.policy)
    tell_carrier(work, case, decision, milestones, f"allocation:escalation:{case.id}")
    _tell(
        work, case, escalation, f"escalation-resolved:{case.id}", f"Resolved: {label}.", skip=actor
    )
    if escalation.meeting_id:
        for support in panel.with_role(Role.BUSINESS_SUPPORT):
            work.send(
                DirectMessage(
                    support.person_id,
                    f"record:escalation:{case.id}:{support.person_id}",
                    f"Record on the case system: case {case.reference}, {label} "
                    "(the escalation's resolution).",
                    RecordOnCaseSystem(escalation.meeting_id, case.id),
                    queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
                )
            )
    lead = f" The lead agency is {decision.lead_agency}." if decision.lead_agency else ""
    for message in tell_referrer(
        panel,
        case,
        f"was decided by escalation on {long_date(decision.decided_on)}: {label}.{lead}",
        f"escalation-decided:{case.id}",
    ):
        work.send(message)


async def _owned(work: Work, actor: str, case_id: str) -> tuple[Case, Escalation]:
    """The case and its open escalation, for its owner or a chair only."""
    case = await case_of(work.uow, work.panel.id, case_id)
    escalation = case.escalation
    member = work.panel.find(actor)
    is_chair = member is not None and Role.CHAIR in member.roles
    if escalation is None or (escalation.owner != actor and not is_chair):
        raise NotPermitted("Only the escalation's owner or the chair can do that.")
    if not escalation.open:
        raise InvalidInput(
            f"This escalation was resolved on {long_date(escalation.resolved_on or work.today())}."
        )
    return case, escalation


def _view(panel: Panel, case: Case, escalation: Escalation) -> EscalationView:
    stages = panel.policy.escalation_stages
    at = stages.index(escalation.stage) if escalation.stage in stages else len(stages) - 1
    return EscalationView(
        panel.id,
        case.id,
        case.reference,
        escalation,
        panel.name_of(escalation.owner),
        stages[at + 1] if at + 1 < len(stages) else "",
        tuple((o.code, o.label) for o in panel.policy.outcomes),
        tuple(sorted(panel.agencies)),
        panel.policy.combine_outcomes,
    )


def _tell(
    work: Work, case: Case, escalation: Escalation, key: str, what: str, *, skip: str = ""
) -> None:
    """The owner gets the card to act on; the chairs, business support and the agency giving
    the interim service hear it too (not `skip`, who is looking at the answer to a press)."""
    panel = work.panel
    view = _view(panel, case, escalation)
    people = [escalation.owner, *(m.person_id for m in panel.with_role(*STAFF))]
    if escalation.interim_agency:
        people += [m.person_id for m in panel.members_of(escalation.interim_agency)]
    for person in dict.fromkeys(people):
        member = panel.find(person)
        if member is None or not member.has_teams or person == skip:
            continue
        acts = person == escalation.owner or Role.CHAIR in member.roles
        work.send(
            DirectMessage(
                person,
                f"{key}:{person}",
                f"Case {case.reference}: {what}",
                view.notice(what, acts=acts),
                queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
            )
        )
