"""The panel's decision on a case, its actions, and the follow-up milestones it sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from panel.calendar import Period, WorkingCalendar
from panel.errors import InvalidInput
from panel.policy import OCCURRENCE, Anchor, Outcome, Policy, Section
from panel.roster import Role

MAX_TEXT = 2000
MAX_REASON = 500
MAX_CHECK_ANSWER = 200  # a checklist question answered in words; the rationale says the rest


def check_reason(text: str) -> str:
    """The chair's reason for correcting the record on the day: required, kept as typed."""
    reason = text.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"Say why, in 1 to {MAX_REASON} characters: it goes in the minutes.")
    return reason


@dataclass(frozen=True)
class Action:
    owner: str  # an agency, or a named role ("Business support")
    text: str
    due: date


@dataclass(frozen=True)
class Decision:
    case_id: str
    outcome: str  # the main outcome
    decided_on: date
    lead_agency: str | None = None
    taf_agencies: tuple[str, ...] = ()
    first_taf_within: Period | None = None
    actions: tuple[Action, ...] = ()
    rationale: str = ""
    dissent: str = ""
    vote_round_id: str | None = None
    meeting_id: str | None = None
    also: tuple[str, ...] = ()  # further outcomes, where the policy allows a combination
    checklist: tuple[tuple[str, str], ...] = ()  # (checklist line, the panel's answer)
    agreed: bool = False  # the panel agreed it without a vote (said so by the chair)
    escalated: bool = False  # decided by resolving an escalation, not at the panel's table

    @property
    def outcomes(self) -> tuple[str, ...]:
        return (self.outcome, *self.also)


YES, NO, NOT_APPLICABLE = "Yes", "No", "Not applicable"
CHECK_ANSWERS = (YES, NO, NOT_APPLICABLE)


def is_question(line: str) -> bool:
    """A checklist line that asks something is answered in words; a statement, Yes or No."""
    return line.rstrip().endswith("?")


def options_of(decision: Decision, policy: Policy) -> tuple[Outcome, ...]:
    return tuple(policy.outcome(code) for code in decision.outcomes)


def outcome_labels(decision: Decision, policy: Policy) -> str:
    """The decision's outcomes as the panel names them, main one first."""
    return "; and ".join(o.label for o in options_of(decision, policy))


def closes_case(decision: Decision, policy: Policy) -> bool:
    """Only when every outcome closes it (Barnet's step up with a follow-up task stays open
    until the task is done)."""
    return all(o.closes_case for o in options_of(decision, policy))


def carried_by(decision: Decision, policy: Policy) -> str | None:
    """The agency whose people are nudged about the follow-up: the lead, or the agency an
    outcome without a lead is carried by."""
    if decision.lead_agency:
        return decision.lead_agency
    return next((o.carried_by for o in options_of(decision, policy) if o.carried_by), None)


def check_decision(decision: Decision, policy: Policy, agencies: frozenset[str]) -> None:
    """Refuse a decision the policy or the roster does not allow."""
    options = options_of(decision, policy)
    if len(set(decision.outcomes)) != len(decision.outcomes):
        raise InvalidInput("An outcome is chosen twice.")
    if decision.also and not policy.combine_outcomes:
        raise InvalidInput("This panel records one outcome per case: choose one.")
    for option in options:
        if option.needs_lead and not decision.lead_agency:
            raise InvalidInput(f"'{option.label}' needs a lead agency.")
        if option.needs_taf and not decision.taf_agencies:
            raise InvalidInput(f"'{option.label}' needs the Team Around the Family agencies named.")
        if option.carried_by and option.carried_by not in agencies:
            raise InvalidInput(
                f"'{option.label}' is carried by {option.carried_by}, which is not an agency of "
                "this panel: ask the administrator to add it to the roster."
            )
    _check_checklist(decision, policy)
    named = [decision.lead_agency] if decision.lead_agency else []
    for agency in (*named, *decision.taf_agencies):
        if agency not in agencies:
            raise InvalidInput(f"{agency!r} is not an agency of this panel.")
    if len(set(decision.taf_agencies)) != len(decision.taf_agencies):
        raise InvalidInput("An agency is named twice in the Team Around the Family.")
    for label, text in (("The rationale", decision.rationale), ("Dissent", decision.dissent)):
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"{label} can be at most {MAX_TEXT} characters.")
    for action in decision.actions:
        if not action.text.strip() or len(action.text) > 500 or not action.owner.strip():
            raise InvalidInput("Each action needs an owner and a description under 500 characters.")
        if action.due < decision.decided_on:
            raise InvalidInput("An action cannot be due before the panel's decision.")


def _check_checklist(decision: Decision, policy: Policy) -> None:
    answered = dict(decision.checklist)
    if set(answered) - set(policy.checklist):
        raise InvalidInput("The checklist answered is not this panel's checklist.")
    for line, answer in decision.checklist:
        if len(answer) > MAX_CHECK_ANSWER:
            raise InvalidInput(
                f"Each checklist answer can be at most {MAX_CHECK_ANSWER} characters."
            )
        if not is_question(line) and answer not in CHECK_ANSWERS:
            raise InvalidInput("Answer each checklist statement Yes, No or Not applicable.")
    # The checklist is the panel's, for its own decision; one taken up an escalation route
    # is the escalation's owner's to record (its resolution says how it was decided).
    if policy.checklist_required and not decision.escalated:
        missing = [n for n, line in enumerate(policy.checklist, 1) if not answered.get(line)]
        if missing:
            lines = ", ".join(str(n) for n in missing)
            raise InvalidInput(
                f"This panel answers its decision checklist for every case: answer line {lines}."
                if len(missing) == 1
                else f"This panel answers its decision checklist for every case: answer lines "
                f"{lines}."
            )


@dataclass(frozen=True)
class Milestone:
    code: str
    label: str
    due: date
    after: str | None = None
    brings_back_to_panel: bool = False
    done_on: date | None = None
    not_possible: str = ""  # the reason, when the practitioner says it cannot be done
    # The agency that does it when it is not the lead's: Barnet's follow up/signposting is the
    # Early Help Coordinator's even when the same decision names Health as lead.
    owner: str = ""
    extended: str = ""  # who agreed the extension in supervision, and why, as typed

    @property
    def open(self) -> bool:
        return self.done_on is None and not self.not_possible


def plan_milestones(
    policy: Policy, calendar: WorkingCalendar, decision: Decision, route: Section | None = None
) -> tuple[Milestone, ...]:
    """Due dates for the policy's follow-up milestones that apply to the decision's outcomes.

    A milestone counted from another one (Barnet: first TAF 10 working days after the
    assessment) is dated from that one's due date until it is done, then re-dated; one whose
    time frame the panel set (`set_at_panel`) is due that long after the decision.
    """
    options = options_of(decision, policy)
    owners = {o.code: o.carried_by for o in options}
    leads = any(o.needs_lead and not o.closes_case for o in options)
    rules = [
        rule
        for rule in policy.milestones
        if (not rule.for_routes or route in rule.for_routes)
        and (set(decision.outcomes) & rule.for_outcomes or (not rule.for_outcomes and leads))
    ]
    chosen = {rule.code for rule in rules}
    planned: dict[str, Milestone] = {}
    for rule in rules:  # presets list each milestone after the one it counts from
        if rule.set_at_panel and decision.first_taf_within is not None:
            planned[rule.code] = Milestone(
                rule.code,
                rule.label,
                calendar.due_date(decision.decided_on, decision.first_taf_within),
                None,  # dated by the panel, not re-dated from another milestone
                rule.brings_back_to_panel,
                owner=_owner(rule.for_outcomes, owners),
            )
            continue
        if rule.anchor is Anchor.MILESTONE and rule.after in planned:
            start = planned[rule.after].due
        elif rule.anchor is Anchor.MILESTONE and rule.after not in chosen:
            continue
        else:
            start = decision.decided_on
        planned[rule.code] = Milestone(
            rule.code,
            rule.label,
            calendar.due_date(start, rule.within),
            rule.after,
            rule.brings_back_to_panel,
            owner=_owner(rule.for_outcomes, owners),
        )
    return tuple(planned.values())


def _owner(for_outcomes: frozenset[str], owners: dict[str, str]) -> str:
    """The agency every chosen outcome the rule is for is carried by, if they agree on one."""
    carriers = {owners[code] for code in for_outcomes if code in owners}
    return carriers.pop() if len(carriers) == 1 else ""


def agency_for(milestone: Milestone, decision: Decision, policy: Policy) -> str | None:
    """Whose people are nudged about a milestone: its own agency, or the decision's carrier."""
    return milestone.owner or carried_by(decision, policy)


def extend_milestone(
    milestones: Sequence[Milestone],
    code: str,
    reason: str,
    decided_on: date,
    policy: Policy,
    calendar: WorkingCalendar,
) -> tuple[Milestone, ...]:
    """Put an open milestone back to the longest its rule allows, once, with who agreed it."""
    by_code = {m.code: m for m in milestones}
    if code not in by_code:
        raise InvalidInput("That milestone is not part of this case's plan.")
    milestone, rule = by_code[code], policy.milestone(code)
    if rule.extendable_to is None:
        raise InvalidInput(f"'{milestone.label}' has no extension in this panel's protocol.")
    if not milestone.open:
        raise InvalidInput("That milestone is already marked.")
    if milestone.extended:
        raise InvalidInput(
            f"'{milestone.label}' was extended already, to its most ({rule.extendable_to})."
        )
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidInput(
            f"Say who agreed the extension in supervision, and why, in 1 to {MAX_REASON} "
            "characters."
        )
    due = calendar.due_date(decided_on, rule.extendable_to)
    return tuple(replace(m, due=due, extended=why) if m.code == code else m for m in milestones)


def occurrence(code: str) -> int:
    """1 for a milestone's first occurrence, 2 for "taf-review_2", ..."""
    _, _, n = code.partition(OCCURRENCE)
    return int(n) if n.isdigit() else 1


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _next_occurrence(
    milestone: Milestone, start: date, policy: Policy, calendar: WorkingCalendar
) -> Milestone | None:
    """The next of a recurring milestone, due its interval after `start`; None if it does not
    recur."""
    rule = policy.milestone(milestone.code)
    if rule.every is None:
        return None
    n = occurrence(milestone.code) + 1
    return Milestone(
        f"{rule.code}{OCCURRENCE}{n}",
        f"{rule.label} ({_ordinal(n)})",
        calendar.due_date(start, rule.every),
        None,
        rule.brings_back_to_panel,
        owner=milestone.owner,
    )


def milestone_not_possible(
    milestones: Sequence[Milestone],
    code: str,
    reason: str,
    policy: Policy,
    calendar: WorkingCalendar,
) -> tuple[Milestone, ...]:
    """Mark one milestone not possible, with the reason; a recurring one is planned again from
    the date it was due (a review missed is not a review stopped)."""
    why = reason.strip()
    if not why or len(why) > MAX_REASON:
        raise InvalidInput("Give a date it was done, or a short reason it is not possible.")
    by_code = {m.code: m for m in milestones}
    if code not in by_code or not by_code[code].open:
        raise InvalidInput("That milestone is not an open part of this case's plan.")
    marked = replace(by_code[code], not_possible=why)
    following = _next_occurrence(marked, marked.due, policy, calendar)
    return (
        *(marked if m.code == code else m for m in milestones),
        *([following] if following else []),
    )


def may_extend(milestone: Milestone, policy: Policy, roles: frozenset[Role]) -> str:
    """How far the reader may put the milestone back ("12 weeks"), or "" if they may not: once
    only, and only a manager (or staff) where the protocol asks for line management approval."""
    rule = policy.milestone(milestone.code)
    if rule.extendable_to is None or milestone.extended or not milestone.open:
        return ""
    if rule.extension_by_manager and not roles & {Role.MANAGER, Role.CHAIR, Role.BUSINESS_SUPPORT}:
        return ""
    return str(rule.extendable_to)


def complete_milestone(
    milestones: Sequence[Milestone],
    code: str,
    done_on: date,
    policy: Policy,
    calendar: WorkingCalendar,
) -> tuple[Milestone, ...]:
    """Mark one milestone done, re-date the open ones counted from it, and plan the next of a
    recurring one from the day it was done."""
    by_code = {m.code: m for m in milestones}
    if code not in by_code:
        raise InvalidInput("That milestone is not part of this case's plan.")
    if not by_code[code].open:
        raise InvalidInput("That milestone is already marked.")
    by_code[code] = replace(by_code[code], done_on=done_on)
    following = _next_occurrence(by_code[code], done_on, policy, calendar)
    changed = [code]
    while changed:
        parent = changed.pop()
        anchor = by_code[parent].done_on or by_code[parent].due
        for child in list(by_code.values()):
            if child.after == parent and child.open:
                due = calendar.due_date(anchor, policy.milestone(child.code).within)
                by_code[child.code] = replace(child, due=due)
                changed.append(child.code)
    return (
        *(by_code[m.code] for m in milestones),
        *([following] if following else []),
    )
