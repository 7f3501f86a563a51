"""A panel's policy: every day, time, number and list the protocols set, as data.

The four seed authorities' policies are in `panel/presets.py`, each setting with its source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any

from panel.calendar import Period, Unit
from panel.errors import InvalidInput


class Cadence(Enum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


class Region(Enum):
    """UK bank-holiday regions."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


class ClosedPanelDay(Enum):
    """What happens when the panel's usual day is a bank holiday or closure."""

    NEXT_WORKING_DAY = "next-working-day"
    PREVIOUS_WORKING_DAY = "previous-working-day"
    SKIP = "skip"


class Section(Enum):
    """Agenda sections, which are also the referral routes that lead to them."""

    NEW_REFERRAL = "new-referral"
    REVIEW = "review"
    STEP_DOWN = "step-down"
    STUCK = "stuck"


class QuorumBasis(Enum):
    KEY_MEMBERS = "key-members"  # at least N of the key-member agencies present
    AGENCIES = "agencies"  # at least N agencies present


class MajorityBase(Enum):
    VOTES_CAST = "votes-cast"
    AGENCIES_PRESENT = "agencies-present"  # present and not conflicted on this case


class Deadlock(Enum):
    """What a tie or no majority leads to when the chair has no casting vote."""

    REVOTE = "revote"
    ESCALATE = "escalate"


class Candidates(Enum):
    OFFERED_TO_LEAD = "offered-to-lead"
    ALL_PRESENT = "all-present"


class CaseField(Enum):
    """Case fields that circulation may share with members, if the policy allows each one."""

    REFERENCE = "reference"
    LOCALITY = "locality"
    ROUTE = "route"
    CHILD_NAMES = "child-names"
    CHILD_DATES_OF_BIRTH = "child-dates-of-birth"
    FAMILY_MEMBERS = "family-members"
    ADDRESS = "address"
    PRESENTING_NEEDS = "presenting-needs"
    CONSENT = "consent"


class Anchor(Enum):
    """What a follow-up timescale is counted from."""

    DECISION = "decision"  # the panel's decision (allocation, step-down agreed)
    MILESTONE = "milestone"  # another milestone's completion (or its due date until done)


@dataclass(frozen=True)
class Moment:
    """A time of day, N working days before the panel day (0 = on the day)."""

    working_days_before: int
    at: time

    def __post_init__(self) -> None:
        if self.working_days_before < 0:
            raise InvalidInput("A preparation moment must be on or before the panel day.")


@dataclass(frozen=True)
class Break:
    at: time
    minutes: int


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    needs_lead: bool = True  # whether an agency must be named as lead professional
    closes_case: bool = False  # no tracking follows (e.g. step up to the MASH)
    needs_taf: bool = False  # a Team Around the Family is convened: its agencies are named
    # Without a lead, the agency that carries the outcome's follow-up (Barnet's Universal Plus
    # work goes to Early Help practitioners); "" when nobody is tracked.
    carried_by: str = ""


@dataclass(frozen=True)
class MilestoneRule:
    code: str
    label: str
    within: Period
    anchor: Anchor = Anchor.DECISION
    after: str | None = None  # with Anchor.MILESTONE: the code of the milestone counted from
    brings_back_to_panel: bool = False  # e.g. St Helens' 3-month panel review
    # The panel sets this one's time frame on the day ("First TAF meeting within ... working
    # days", Barnet 000: «provide a time frame for the first TAF meeting»): when it does, the
    # milestone is due that many working days after the decision, instead of `within`.
    set_at_panel: bool = False
    # Recurs: once one is done (or found not possible), the next is due this long after it,
    # until the case closes (Barnet's TAF «reconvened every 12 weeks or sooner»).
    every: Period | None = None
    # Only for cases that came by these routes (Barnet's step-down clock); empty: any route.
    for_routes: frozenset[Section] = frozenset()
    # Its extension needs a manager's approval (Barnet 001 §14.2), not only the lead's word.
    extension_by_manager: bool = False
    # How long after the decision it may be put back to, once, when agreed in supervision
    # (Barnet's Universal Plus: 6 weeks, «up to 12 weeks maximum»); None: no extension.
    extendable_to: Period | None = None
    for_outcomes: frozenset[str] = (
        frozenset()
    )  # outcome codes it applies to; empty = any with a lead

    def __post_init__(self) -> None:
        if (self.anchor is Anchor.MILESTONE) != (self.after is not None):
            raise InvalidInput(f"Milestone {self.code!r}: 'after' goes with a milestone anchor.")
        if OCCURRENCE in self.code:
            raise InvalidInput(f"Milestone {self.code!r}: a code cannot hold {OCCURRENCE!r}.")
        if self.extendable_to is not None and self.anchor is not Anchor.DECISION:
            raise InvalidInput(
                f"Milestone {self.code!r}: only one counted from the decision can be extended."
            )


# A decision checklist's size: each line is an input on the outcome form and is minuted with its
# answer for every item, so both stay within one Teams message (tests/bot/test_card_sizes.py).
OCCURRENCE = "_"  # a recurring milestone's later occurrences: "taf-review_2", "taf-review_3"
MAX_CHECKLIST = 8
MAX_CHECKLIST_LINE = 200
MAX_ESCALATION_STAGES = 3
MAX_CLOSURE_CHECKS = 5  # each is a tick on the closing question
_SIX_MONTHS = Period(6, Unit.MONTHS)
_TWELVE_MONTHS = Period(12, Unit.MONTHS)


@dataclass(frozen=True)
class Policy:
    key: str
    name: str
    timezone: str = "Europe/London"
    region: Region = Region.ENGLAND_AND_WALES
    # Meetings
    cadence: Cadence = Cadence.WEEKLY
    weekday: int = 1  # Monday = 0
    week_of_month: int = 1  # monthly panels: 1..4, or -1 for the last such weekday
    meeting_time: time = time(9, 30)
    meeting_length: timedelta = timedelta(hours=3)
    on_closed_day: ClosedPanelDay = ClosedPanelDay.NEXT_WORKING_DAY
    breaks: tuple[Break, ...] = ()
    # The week before
    cutoff: Moment = Moment(4, time(12, 0))
    circulation: Moment = Moment(4, time(13, 0))
    info_check_deadline: Moment = Moment(1, time(17, 0))
    reminders: tuple[Moment, ...] = (Moment(2, time(10, 0)),)
    # Agenda
    localities: tuple[str, ...] = ()
    max_cases_per_locality: int | None = None
    sections: tuple[Section, ...] = (
        Section.NEW_REFERRAL,
        Section.REVIEW,
        Section.STEP_DOWN,
        Section.STUCK,
    )
    # Routes that need the family's consent before listing (Camden: step-downs only).
    consent_required_for: frozenset[Section] = frozenset(Section)
    safeguarding_message: str = (
        "Any safeguarding issues should be referred immediately to the MASH and not wait for "
        "a panel discussion. This family has not been listed: please refer to the MASH now."
    )
    # How to reach the MASH (or its local front door) now: a phone line, an address. Each
    # council sets its own in its panel configuration; the seeds give none for Barnet or Camden.
    mash_contact: str = ""
    circulated_fields: frozenset[CaseField] = frozenset(
        {
            CaseField.REFERENCE,
            CaseField.LOCALITY,
            CaseField.ROUTE,
            CaseField.CHILD_NAMES,
            CaseField.CHILD_DATES_OF_BIRTH,
            CaseField.PRESENTING_NEEDS,
        }
    )
    info_max_length: int = 2000
    # Meeting day
    key_agencies: frozenset[str] = frozenset()
    quorum_basis: QuorumBasis = QuorumBasis.AGENCIES
    quorum_minimum: int = 3
    confidentiality_statement: str = (
        "I will keep the information shared at this panel confidential and use it only to "
        "decide how to support these families."
    )
    # The decision checklist: a line that is a question is answered in words; a statement is
    # answered Yes, No or Not applicable. Required: every line answered before an outcome.
    checklist: tuple[str, ...] = ()
    checklist_required: bool = False
    # Votes
    candidates: Candidates = Candidates.OFFERED_TO_LEAD
    majority_base: MajorityBase = MajorityBase.VOTES_CAST
    chair_casting_vote: bool = False
    on_deadlock: Deadlock = Deadlock.ESCALATE
    max_revotes: int = 1
    escalation_route: str = "Refer the decision to the head of service."
    # The stages a dispute goes through, earliest first: it is raised to the next one only
    # when the one before cannot resolve it.
    escalation_stages: tuple[str, ...] = ("Head of service",)
    # Outcomes and follow-up
    outcomes: tuple[Outcome, ...] = ()
    combine_outcomes: bool = False  # a case may have several of the outcomes at once
    milestones: tuple[MilestoneRule, ...] = ()
    retention: Period = _SIX_MONTHS  # after closure; applied by the storage retention sweep
    nudge_before_working_days: int = 2  # the lead is reminded this long before a milestone
    drift_open_over: Period = _TWELVE_MONTHS  # the drift report's "open too long"
    # The most families a practitioner of each kind leads at full time (pro rata by each
    # person's share); a kind not listed has no limit.
    caseload_limits: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # What the lead confirms before closing a case (each is ticked on the closing question).
    closure_checks: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise InvalidInput("The panel weekday must be 0 (Monday) to 6 (Sunday).")
        if self.week_of_month not in (1, 2, 3, 4, -1):
            raise InvalidInput("week_of_month must be 1 to 4, or -1 for the last.")
        if self.max_cases_per_locality is not None and self.max_cases_per_locality < 1:
            raise InvalidInput("max_cases_per_locality must be at least 1.")
        if self.quorum_minimum < 1:
            raise InvalidInput("The quorum must be at least 1.")
        if self.quorum_basis is QuorumBasis.KEY_MEMBERS and self.quorum_minimum > len(
            self.key_agencies
        ):
            raise InvalidInput("The quorum asks for more key members than the policy names.")
        codes = [o.code for o in self.outcomes]
        if len(set(codes)) != len(codes):
            raise InvalidInput("Outcome codes must be unique.")
        if len(self.checklist) > MAX_CHECKLIST:
            raise InvalidInput(f"A decision checklist has at most {MAX_CHECKLIST} lines.")
        if any(len(line) > MAX_CHECKLIST_LINE for line in self.checklist):
            raise InvalidInput(f"A checklist line has at most {MAX_CHECKLIST_LINE} characters.")
        if not 1 <= len(self.escalation_stages) <= MAX_ESCALATION_STAGES:
            raise InvalidInput(f"Name 1 to {MAX_ESCALATION_STAGES} escalation stages.")
        if len(self.closure_checks) > MAX_CLOSURE_CHECKS:
            raise InvalidInput(f"At most {MAX_CLOSURE_CHECKS} closure checks.")
        if any(n < 1 for n in self.caseload_limits.values()):
            raise InvalidInput("A caseload limit is at least 1 family.")
        if any(not s.strip() or len(s) > 100 for s in self.escalation_stages):
            raise InvalidInput("Each escalation stage is named in 1 to 100 characters.")
        for option in self.outcomes:
            if option.needs_lead and option.carried_by:
                raise InvalidInput(
                    f"Outcome {option.code!r}: its lead carries the follow-up, not "
                    f"{option.carried_by!r}."
                )
        known = {m.code for m in self.milestones}
        for rule in self.milestones:
            if rule.after is not None and rule.after not in known:
                raise InvalidInput(f"Milestone {rule.code!r} counts from unknown {rule.after!r}.")
            if not rule.for_outcomes <= set(codes):
                raise InvalidInput(f"Milestone {rule.code!r} names an unknown outcome.")
        if self.cutoff.working_days_before < self.circulation.working_days_before or (
            self.cutoff.working_days_before == self.circulation.working_days_before
            and self.cutoff.at > self.circulation.at
        ):
            raise InvalidInput("Circulation cannot come before the cut-off.")

    def needs_consent(self, route: Section) -> bool:
        return route in self.consent_required_for

    def outcome(self, code: str) -> Outcome:
        for option in self.outcomes:
            if option.code == code:
                return option
        raise InvalidInput(f"{code!r} is not one of this panel's outcomes.")

    def milestone(self, code: str) -> MilestoneRule:
        """The rule of a milestone, or of a later occurrence of a recurring one ("taf-review_3")."""
        code = code.split(OCCURRENCE, 1)[0]
        for rule in self.milestones:
            if rule.code == code:
                return rule
        raise InvalidInput(f"{code!r} is not one of this panel's follow-up milestones.")


# -- Overrides --------------------------------------------------------------------------------

_SIMPLE = (bool, int, str)


def with_overrides(base: Policy, overrides: Mapping[str, Any]) -> Policy:
    """A copy of `base` with plain-data overrides (as read from a YAML file) applied.

    Accepts scalars, "HH:MM" times, enum values by their string value, lists for tuples and
    sets, {"working_days_before": n, "at": "HH:MM"} for moments and {"amount": n, "unit": u}
    for periods. Unknown keys and wrong types raise `InvalidInput` naming the key.
    """
    fields = {f.name: f for f in dataclasses.fields(Policy)}
    changes: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in fields or key in {"key", "sources"}:
            raise InvalidInput(f"Unknown policy setting {key!r}.")
        current = getattr(base, key)
        try:
            changes[key] = _coerce(current, raw)
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidInput(f"Policy setting {key!r}: {exc}") from None
    try:
        return dataclasses.replace(base, **changes)
    except InvalidInput as exc:
        raise InvalidInput(f"Policy overrides are inconsistent: {exc}") from None


def _coerce(current: Any, raw: Any) -> Any:
    if isinstance(current, Enum):
        return type(current)(raw)
    if isinstance(current, bool) or isinstance(raw, bool):
        if not isinstance(raw, bool) or not isinstance(current, bool):
            raise TypeError("expected true or false")
        return raw
    if isinstance(current, time):
        return _time(raw)
    if isinstance(current, timedelta):
        return timedelta(minutes=_int(raw))
    if isinstance(current, Moment):
        return Moment(_int(raw["working_days_before"]), _time(raw["at"]))
    if isinstance(current, Period):
        return Period(_int(raw["amount"]), Unit(raw["unit"]))
    if isinstance(current, Mapping):
        if not isinstance(raw, dict):
            raise TypeError("expected a mapping of names to whole numbers")
        return MappingProxyType({str(k): _int(v) for k, v in raw.items()})
    if isinstance(current, frozenset | tuple):
        return _sequence(current, raw)
    if current is None or isinstance(current, int):
        return None if raw is None else _int(raw)
    if isinstance(current, str):
        if not isinstance(raw, str):
            raise TypeError("expected text")
        return raw
    raise TypeError("this setting cannot be overridden from a file")


def _sequence(current: tuple[Any, ...] | frozenset[Any], raw: Any) -> Any:
    if not isinstance(raw, list):
        raise TypeError("expected a list")
    items: list[Any] = []
    for entry in raw:
        if isinstance(entry, str) and not isinstance(current, frozenset):
            items.append(_from_string(current, entry))
        elif isinstance(entry, dict):
            items.append(_from_mapping(current, entry))
        else:
            items.append(_from_string(current, entry))
    return frozenset(items) if isinstance(current, frozenset) else tuple(items)


def _from_string(current: tuple[Any, ...] | frozenset[Any], entry: Any) -> Any:
    sample = next(iter(current), None)
    if isinstance(sample, Enum):
        return type(sample)(entry)
    if isinstance(entry, str):
        return entry
    raise TypeError("expected a list of text")


def _from_mapping(current: tuple[Any, ...] | frozenset[Any], entry: dict[str, Any]) -> Any:
    sample = next(iter(current), None)
    if isinstance(sample, Moment) or set(entry) == {"working_days_before", "at"}:
        return Moment(_int(entry["working_days_before"]), _time(entry["at"]))
    if isinstance(sample, Break) or set(entry) == {"at", "minutes"}:
        return Break(_time(entry["at"]), _int(entry["minutes"]))
    if isinstance(sample, MilestoneRule) or "within" in entry:
        within = entry["within"]
        after = entry.get("after")
        return MilestoneRule(
            code=str(entry["code"]),
            label=str(entry["label"]),
            within=Period(_int(within["amount"]), Unit(within["unit"])),
            anchor=Anchor.MILESTONE if after else Anchor.DECISION,
            after=None if after is None else str(after),
            brings_back_to_panel=bool(entry.get("brings_back_to_panel", False)),
            for_outcomes=frozenset(str(code) for code in entry.get("for_outcomes", ())),
            set_at_panel=bool(entry.get("set_at_panel", False)),
            extendable_to=_period(entry.get("extendable_to")),
            every=_period(entry.get("every")),
            for_routes=frozenset(Section(r) for r in entry.get("for_routes", ())),
            extension_by_manager=bool(entry.get("extension_by_manager", False)),
        )
    return Outcome(
        code=str(entry["code"]),
        label=str(entry["label"]),
        needs_lead=bool(entry.get("needs_lead", True)),
        closes_case=bool(entry.get("closes_case", False)),
        needs_taf=bool(entry.get("needs_taf", False)),
        carried_by=str(entry.get("carried_by", "")),
    )


def _period(raw: Any) -> Period | None:
    if raw is None:
        return None
    return Period(_int(raw["amount"]), Unit(raw["unit"]))


def _int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise TypeError("expected a whole number")
    return raw


def _time(raw: Any) -> time:
    if not isinstance(raw, str):
        raise TypeError('expected a time such as "12:00"')
    return time.fromisoformat(raw)
