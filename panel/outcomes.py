"""The panel's decision on a case, its actions, and the follow-up milestones it sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from panel.calendar import Period, WorkingCalendar
from panel.errors import InvalidInput
from panel.policy import Anchor, Policy

MAX_TEXT = 2000
MAX_REASON = 500


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
    outcome: str
    decided_on: date
    lead_agency: str | None = None
    taf_agencies: tuple[str, ...] = ()
    first_taf_within: Period | None = None
    actions: tuple[Action, ...] = ()
    rationale: str = ""
    dissent: str = ""
    vote_round_id: str | None = None
    meeting_id: str | None = None


def check_decision(decision: Decision, policy: Policy, agencies: frozenset[str]) -> None:
    """Refuse a decision the policy or the roster does not allow."""
    option = policy.outcome(decision.outcome)
    if option.needs_lead and not decision.lead_agency:
        raise InvalidInput(f"'{option.label}' needs a lead agency.")
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


@dataclass(frozen=True)
class Milestone:
    code: str
    label: str
    due: date
    after: str | None = None
    brings_back_to_panel: bool = False
    done_on: date | None = None
    not_possible: str = ""  # the reason, when the practitioner says it cannot be done

    @property
    def open(self) -> bool:
        return self.done_on is None and not self.not_possible


def plan_milestones(
    policy: Policy, calendar: WorkingCalendar, decision: Decision
) -> tuple[Milestone, ...]:
    """Due dates for the policy's follow-up milestones that apply to this outcome.

    A milestone counted from another one (Barnet: first TAF 10 working days after the
    assessment) is dated from that one's due date until it is done, then re-dated.
    """
    option = policy.outcome(decision.outcome)
    rules = [
        rule
        for rule in policy.milestones
        if (decision.outcome in rule.for_outcomes)
        or (not rule.for_outcomes and option.needs_lead and not option.closes_case)
    ]
    chosen = {rule.code for rule in rules}
    planned: dict[str, Milestone] = {}
    for rule in rules:  # presets list each milestone after the one it counts from
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
        )
    return tuple(planned.values())


def complete_milestone(
    milestones: Sequence[Milestone],
    code: str,
    done_on: date,
    policy: Policy,
    calendar: WorkingCalendar,
) -> tuple[Milestone, ...]:
    """Mark one milestone done and re-date the open ones counted from it."""
    by_code = {m.code: m for m in milestones}
    if code not in by_code:
        raise InvalidInput("That milestone is not part of this case's plan.")
    if not by_code[code].open:
        raise InvalidInput("That milestone is already marked.")
    by_code[code] = replace(by_code[code], done_on=done_on)
    changed = [code]
    while changed:
        parent = changed.pop()
        anchor = by_code[parent].done_on or by_code[parent].due
        for child in list(by_code.values()):
            if child.after == parent and child.open:
                due = calendar.due_date(anchor, policy.milestone(child.code).within)
                by_code[child.code] = replace(child, due=due)
                changed.append(child.code)
    return tuple(by_code[m.code] for m in milestones)
