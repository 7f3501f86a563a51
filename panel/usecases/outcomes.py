"""Outcomes and minutes: the chair records each case's decision (the lead agency, those
involved and business support are told), business support tick it off as recorded on the
case system, and closing the panel rolls what was not reached and sends the minutes 1:1."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from panel.calendar import long_date
from panel.cases import Case
from panel.errors import InvalidInput, VoteRejected
from panel.lifecycle import Event
from panel.meeting import Correction, Meeting, MeetingStatus, Minutes
from panel.messages import (
    ActionForAgency,
    Allocation,
    ChannelNotice,
    CorrectionNotice,
    DirectMessage,
    Kind,
    Outcome,
    RecordOnCaseSystem,
    part_of,
)
from panel.outcomes import (
    Decision,
    Milestone,
    agency_for,
    carried_by,
    check_decision,
    check_reason,
    closes_case,
    outcome_labels,
    plan_milestones,
)
from panel.relevance import SITTING, QueuedFor
from panel.roster import Panel, Role
from panel.usecases.common import STAFF, Deps, Work, at_meeting
from panel.usecases.console import tell_consoles
from panel.usecases.leads import candidates
from panel.usecases.minutes import minutes_of, recipients_of, records_of
from panel.usecases.referrers import tell_referrer
from panel.votes import RoundState, VoteRound
from panel.words import plural


async def record_outcome(
    deps: Deps, *, meeting_id: str, actor: str, decision: Decision
) -> tuple[Milestone, ...]:
    """Record the panel's decision; plan follow-up; tell the lead agency and those involved."""
    async with at_meeting(
        deps, actor, "outcome.record", meeting_id, Role.CHAIR, case_id=decision.case_id
    ) as work:
        meeting, panel, now = work.meeting, work.panel, work.now()
        meeting.require_status(MeetingStatus.IN_SESSION, doing="record an outcome")
        meeting.require_on_agenda(decision.case_id)
        if decision.case_id in meeting.decisions:
            raise InvalidInput("This case already has an outcome.")
        if f"escalated:{decision.case_id}" in meeting.done:
            raise InvalidInput(
                "This case is escalated: its outcome is recorded with the escalation's resolution."
            )
        decision = _as_decided(panel, meeting, decision)
        check_decision(decision, panel.policy, panel.agencies)
        case = await work.uow.cases.get(decision.case_id)
        milestones = plan_milestones(panel.policy, panel.calendar, decision, case.route)
        case.apply(Event.DISCUSS, now)
        case.apply(Event.RECORD_OUTCOME, now)
        closes = closes_case(decision, panel.policy)
        case.apply(Event.CLOSE if closes else Event.START_TRACKING, now)
        if case.lead is not None and case.lead.agency != carried_by(decision, panel.policy):
            # Back at panel (stuck, or a review) and given to another agency: its practitioner
            # no longer leads it; the new lead agency names its own.
            case.lead = None
        case.decision, case.milestones = decision, milestones
        meeting.decisions[decision.case_id] = decision
        await work.audit.allowed(work.uow, work.now())
        _tell_outcome(work, case, decision, milestones)
        await tell_consoles(work, skip=actor)
        await work.uow.commit()
        return milestones


async def change_outcome(
    deps: Deps, *, meeting_id: str, actor: str, decision: Decision, reason: str
) -> tuple[Milestone, ...]:
    """The chair changes a recorded outcome before the panel closes, with a reason: follow-up
    is planned again, everyone concerned hears the new outcome, and everyone told the old one
    or the new one hears what changed and why. The minutes carry the correction."""
    reason = check_reason(reason)
    async with at_meeting(
        deps, actor, "outcome.change", meeting_id, Role.CHAIR, case_id=decision.case_id
    ) as work:
        meeting, panel = work.meeting, work.panel
        meeting.require_status(MeetingStatus.IN_SESSION, doing="change an outcome")
        earlier = meeting.decisions.get(decision.case_id)
        if earlier is None:
            raise InvalidInput("That case has no outcome to change yet.")
        if earlier.escalated:
            raise InvalidInput(
                "That outcome is the resolution of an escalation: its owner recorded it, and "
                "it is not changed at the panel."
            )
        decision = _as_decided(panel, meeting, decision)
        check_decision(decision, panel.policy, panel.agencies)
        before, after = (
            outcome_labels(earlier, panel.policy),
            outcome_labels(decision, panel.policy),
        )
        closed = closes_case(earlier, panel.policy)
        if closed != closes_case(decision, panel.policy):
            # A closed case never reopens (panel/lifecycle.py): the record stays true instead.
            raise InvalidInput(
                f"'{before}' {'closed' if closed else 'kept open'} the case, "
                f"and '{after}' would {'keep it open' if closed else 'close it'}"
                ": that cannot be changed on the day. Record it at the next panel instead."
            )
        case = await work.uow.cases.get(decision.case_id)
        milestones = plan_milestones(panel.policy, panel.calendar, decision, case.route)
        case.decision, case.milestones = decision, milestones
        meeting.decisions[decision.case_id] = decision
        what = f"The outcome was changed from {_said(before, earlier)} to {_said(after, decision)}."
        meeting.corrections.append(Correction(case.id, what, reason))
        version = sum(1 for c in meeting.corrections if c.case_id == case.id)
        told = _told_of(panel, meeting, earlier) | _told_of(panel, meeting, decision)
        await work.audit.allowed(work.uow, work.now())
        _tell_outcome(work, case, decision, milestones, version=version)
        for person in sorted(told):
            work.send(
                DirectMessage(
                    person,
                    f"correction:{meeting.id}:{case.id}:{version}:{person}",
                    f"Case {case.reference}: the outcome was changed.",
                    CorrectionNotice(case.reference, what, reason),
                    queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
                )
            )
        await tell_consoles(work, skip=actor)
        await work.uow.commit()
        return milestones


def _said(label: str, decision: Decision) -> str:
    return f"'{label}'" + (f" (lead: {decision.lead_agency})" if decision.lead_agency else "")


def _told_of(panel: Panel, meeting: Meeting, decision: Decision) -> set[str]:
    """Everyone a recorded outcome was sent to (see _tell_outcome)."""
    agencies = [
        *([decision.lead_agency] if decision.lead_agency else []),
        *decision.taf_agencies,
        *(a.owner for a in decision.actions),
    ]
    return (
        set(meeting.attending())
        | {m.person_id for agency in agencies for m in panel.members_of(agency)}
        | {s.person_id for s in panel.with_role(Role.BUSINESS_SUPPORT)}
    )


def _as_decided(panel: Panel, meeting: Meeting, decision: Decision) -> Decision:
    """The decision as this meeting takes it: dated, actions on working days, and the lead
    agency the one the panel voted for, if it voted."""
    # An action due on a weekend, bank holiday or closure day is due the next working day, as
    # every other deadline.
    decision = replace(
        decision,
        decided_on=meeting.panel_date,
        meeting_id=meeting.id,
        actions=tuple(replace(a, due=panel.calendar.on_or_after(a.due)) for a in decision.actions),
    )
    decided_round = _decided_round(meeting, decision.case_id)
    if decided_round is None:
        if not decision.agreed:
            # The minutes say how the lead was chosen: the chair says so, rather than the
            # record inferring "agreed" from the absence of a vote.
            raise InvalidInput(
                "Say that the panel agreed this without a vote (tick the box), or call a vote."
            )
        return decision
    if decided_round.result and decision.lead_agency != decided_round.result.winner:
        raise InvalidInput("The lead agency must be the one the panel voted for.")
    return replace(decision, vote_round_id=decided_round.id, agreed=False)


def _tell_outcome(
    work: Work,
    case: Case,
    decision: Decision,
    milestones: tuple[Milestone, ...],
    *,
    version: int = 0,
) -> None:
    """Everyone concerned hears the outcome; `version` counts changes on the day (each is a
    message of its own, not a repeat the outbox would drop)."""
    meeting, panel = work.meeting, work.panel
    v = f":v{version}" if version else ""
    label = outcome_labels(decision, panel.policy)
    about_case = QueuedFor(panel.id, case_ids=(case.id,))
    tell_carrier(work, case, decision, milestones, f"allocation:{meeting.id}:{case.id}", v)
    for person_id in meeting.attending():
        work.send(
            DirectMessage(
                person_id,
                f"outcome:{meeting.id}:{case.id}:{person_id}{v}",
                f"Case {case.reference}: {label}."
                + (f" Lead: {decision.lead_agency}." if decision.lead_agency else "")
                + (
                    f" Team Around the Family: {', '.join(decision.taf_agencies)}."
                    if decision.taf_agencies
                    else ""
                ),
                Outcome(case.id),
                queued_for=about_case,
            )
        )
    for support in panel.with_role(Role.BUSINESS_SUPPORT):
        work.send(
            DirectMessage(
                support.person_id,
                f"record:{meeting.id}:{case.id}:{support.person_id}{v}",
                f"Record on the case system: case {case.reference}, {label}.",
                RecordOnCaseSystem(meeting.id, case.id),
                queued_for=about_case,
            )
        )
    _tell_agencies_named(work, case, decision, label, v)
    lead = f" The lead agency is {decision.lead_agency}." if decision.lead_agency else ""
    for message in tell_referrer(
        panel,
        case,
        f"was decided at the panel on {long_date(meeting.panel_date)}: {label}.{lead}",
        f"decided:{meeting.id}:{case.id}{v}",
    ):
        work.send(message)
    if version:
        return  # the count of cases decided today is unchanged
    work.send(
        ChannelNotice(
            panel.id,
            Kind.OUTCOME_NOTICE,
            f"outcome-notice:{meeting.id}:{len(meeting.decisions)}",
            {"decided": len(meeting.decisions)},
            f"{plural(len(meeting.decisions), 'case')} decided so far today.",
            queued_for=QueuedFor(panel.id, meeting.id, SITTING),
        )
    )


def tell_carrier(
    work: Work,
    case: Case,
    decision: Decision,
    milestones: tuple[Milestone, ...],
    key: str,
    v: str = "",
) -> None:
    """The lead agency's members get the allocation and the dates that are theirs; without a
    lead, so do the members of the agency the outcome is carried by (Barnet's Universal Plus:
    Early Help); an agency doing a milestone of its own (the Coordinator's follow up) gets that
    one."""
    policy = work.panel.policy
    carrier = carried_by(decision, policy)
    theirs: dict[str, list[Milestone]] = {carrier: []} if carrier else {}
    for m in sorted(milestones, key=lambda m: m.due):  # in the order they fall due
        if (agency := agency_for(m, decision, policy)) is not None:
            theirs.setdefault(agency, []).append(m)
    for agency, planned in theirs.items():
        dates = "; ".join(f"{m.label} by {long_date(m.due)}" for m in planned)
        role = (
            "is lead"
            if agency == decision.lead_agency
            else "carries the follow-up"
            if agency == carrier
            else "has a follow-up step"
        )
        for member in work.panel.members_of(agency):
            work.send(
                DirectMessage(
                    member.person_id,
                    f"{key}:{member.person_id}{v}",
                    f"{agency} {role} for case {case.reference}. {dates}",
                    Allocation(
                        case.id,
                        tuple((m.code, m.due) for m in planned),
                        # The lead agency's members name who of them leads it (issue 16).
                        panel_id=work.panel.id if agency == carrier else "",
                        candidates=candidates(work.panel, agency) if agency == carrier else (),
                    ),
                    queued_for=QueuedFor(work.panel.id, case_ids=(case.id,)),
                )
            )


def _tell_agencies_named(
    work: Work, case: Case, decision: Decision, label: str, v: str = ""
) -> None:
    """Every agency the decision names hears it, present or not: the outcome to the Team
    Around the Family and the action owners, and each action to its owner."""
    meeting, panel = work.meeting, work.panel
    about_case = QueuedFor(panel.id, case_ids=(case.id,))
    present = set(meeting.attending())
    named = [*decision.taf_agencies, *(a.owner for a in decision.actions)]
    for agency in dict.fromkeys(named):
        for member in panel.members_of(agency):
            if member.person_id in present:
                continue  # told as one who attended
            work.send(
                DirectMessage(
                    member.person_id,
                    f"outcome:{meeting.id}:{case.id}:{member.person_id}{v}",
                    f"Case {case.reference}: {label}; {agency} is named in it.",
                    Outcome(case.id),
                    queued_for=about_case,
                )
            )
    for n, task in enumerate(decision.actions, 1):
        for member in panel.members_of(task.owner):
            work.send(
                DirectMessage(
                    member.person_id,
                    f"action:{meeting.id}:{case.id}:{n}:{member.person_id}{v}",
                    f"Action for {task.owner}: case {case.reference}, due {long_date(task.due)}.",
                    ActionForAgency(
                        meeting.id, case.id, case.reference, task.owner, task.text, task.due
                    ),
                    queued_for=about_case,
                )
            )


def _earlier_escalations(cases: list[Case], meeting_id: str) -> tuple[str, ...]:
    """For the minutes: escalations from earlier sittings still open, and those resolved since
    (each resolution minuted once: the case remembers which minutes reported it)."""
    lines = []
    for case in sorted(cases, key=lambda c: c.escalation.raised_on if c.escalation else date.min):
        e = case.escalation
        if e is None or e.meeting_id == meeting_id or e.minuted_in is not None:
            continue
        state = "still open" if e.open else "resolved since the last panel"
        lines.append(f"{case.reference} ({state}): {e.summary()}")
        if not e.open:
            case.escalation = replace(e, minuted_in=meeting_id)
    return tuple(lines)


def _decided_round(meeting: Meeting, case_id: str) -> VoteRound | None:
    rounds = [r for r in meeting.rounds.values() if r.case_id == case_id]
    return next((r for r in reversed(rounds) if r.state is RoundState.DECIDED), None)


async def recorded_decision(deps: Deps, *, meeting_id: str, actor: str, case_id: str) -> Decision:
    """The outcome recorded today, for the chair to change it."""
    async with at_meeting(
        deps, actor, "outcome.form", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        decision = work.meeting.decisions.get(case_id)
        if decision is None:
            raise InvalidInput("That case has no outcome to change yet.")
        await work.done()
        return decision


async def mark_recorded(deps: Deps, *, meeting_id: str, actor: str, case_id: str) -> None:
    """Business support ticks a decision off as recorded on the case system."""
    async with at_meeting(
        deps, actor, "outcome.recorded", meeting_id, *STAFF, case_id=case_id
    ) as work:
        if case_id not in work.meeting.decisions:
            raise InvalidInput("That case has no outcome to record yet.")
        work.meeting.done.add(f"recorded:{case_id}")
        await tell_consoles(work)
        await work.done()


async def close_panel(deps: Deps, *, meeting_id: str, actor: str) -> Minutes:
    """Close the meeting: cases not reached roll over; minutes go 1:1 to those who attended."""
    async with at_meeting(deps, actor, "panel.close", meeting_id, Role.CHAIR) as work:
        meeting, panel, now = work.meeting, work.panel, work.now()
        if meeting.status is MeetingStatus.CLOSED and meeting.minutes is not None:
            return meeting.minutes
        meeting.require_status(MeetingStatus.IN_SESSION, doing="close the panel")
        for round_ in meeting.rounds.values():
            if round_.state is RoundState.OPEN:
                raise VoteRejected("Close the open vote before closing the panel.")
        not_reached: list[str] = []
        cases = {i.case_id: await work.uow.cases.get(i.case_id) for i in meeting.items}
        escalations = {
            case_id: case.escalation
            for case_id, case in cases.items()
            if case.escalation is not None and case.escalation.meeting_id == meeting.id
        }
        for item in meeting.items:
            if item.case_id not in meeting.decisions and item.case_id not in escalations:
                case = cases[item.case_id]
                case.apply(Event.ROLL_OVER, now, "Not reached at panel; rolled to the next one.")
                for message in tell_referrer(
                    panel,
                    case,
                    f"was not reached at the panel on {long_date(meeting.panel_date)} and goes "
                    "to the next one.",
                    f"not-reached:{meeting.id}:{case.id}",
                ):
                    work.send(message)
                not_reached.append(case.id)
        earlier = _earlier_escalations(await work.uow.cases.escalated(panel.id), meeting.id)
        minutes = minutes_of(panel, meeting, tuple(not_reached), escalations, earlier)
        meeting.minutes, meeting.status = minutes, MeetingStatus.CLOSED
        references = {case_id: case.reference for case_id, case in cases.items()}
        await work.audit.allowed(work.uow, work.now())
        records = records_of(panel, meeting, minutes, references)
        for person_id in recipients_of(panel, meeting):
            for record in records:
                key, text = part_of(
                    f"minutes:{meeting.id}:{person_id}",
                    f"Minutes of the panel on {long_date(meeting.panel_date)}.",
                    record.part,
                    record.parts,
                )
                work.send(
                    DirectMessage(person_id, key, text, record, queued_for=QueuedFor(panel.id))
                )
        await work.uow.commit()
        return minutes
