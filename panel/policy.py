"""A panel's policy: every day, time, number and list the protocols set, as data.

`PRESETS` holds the four seed authorities. Each preset's `sources` cites, for every value taken
from a protocol, the seed file and the clause's own words; tests check the words are really there.
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
    for_outcomes: frozenset[str] = (
        frozenset()
    )  # outcome codes it applies to; empty = any with a lead

    def __post_init__(self) -> None:
        if (self.anchor is Anchor.MILESTONE) != (self.after is not None):
            raise InvalidInput(f"Milestone {self.code!r}: 'after' goes with a milestone anchor.")


MAX_CHECKLIST = 10  # lines of a decision checklist (each is an input on the outcome form)
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
        if not self.escalation_stages:
            raise InvalidInput("Name at least one escalation stage.")
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
        )
    return Outcome(
        code=str(entry["code"]),
        label=str(entry["label"]),
        needs_lead=bool(entry.get("needs_lead", True)),
        closes_case=bool(entry.get("closes_case", False)),
        needs_taf=bool(entry.get("needs_taf", False)),
        carried_by=str(entry.get("carried_by", "")),
    )


def _int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise TypeError("expected a whole number")
    return raw


def _time(raw: Any) -> time:
    if not isinstance(raw, str):
        raise TypeError('expected a time such as "12:00"')
    return time.fromisoformat(raw)


# -- Presets ----------------------------------------------------------------------------------
# Seed files: 000 Barnet MAEHP protocol, 001 Barnet Early Help Operational Protocol 2023,
# 002 Camden allocation panel terms, 003 St Helens standards, 004 Leicester protocol.
# A source is either `<file> <where>: «exact words»` or starts with "DEFAULT" where the seed is
# silent and we chose a value the authority should confirm.

_NEXT_WORKING_DAY = "DEFAULT: a panel day that is a bank holiday moves to the next working day."
_RETENTION = "DEFAULT: no seed states a period; anonymise 24 months after closure."
_NUDGE = "DEFAULT: no seed says when to remind the lead; 2 working days before, and on the day."
_DRIFT = "DEFAULT: the drift report flags episodes open over 12 months (Barnet's rule)."

BARNET = Policy(
    key="barnet",
    name="Barnet Multi-Agency Early Help Panel",
    cadence=Cadence.WEEKLY,
    weekday=1,
    meeting_time=time(9, 30),
    meeting_length=timedelta(hours=3),
    breaks=(Break(time(11, 0), 15),),
    cutoff=Moment(4, time(12, 0)),
    circulation=Moment(4, time(14, 0)),
    # Answers are collated over the 4 working days and presented at the panel (000 §5).
    info_check_deadline=Moment(0, time(9, 0)),
    reminders=(Moment(2, time(10, 0)), Moment(1, time(12, 0))),
    localities=("South", "West", "East/Central"),
    max_cases_per_locality=5,
    consent_required_for=frozenset(Section),
    key_agencies=frozenset({"Early Help", "MASH", "Health", "Police", "Education"}),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    confidentiality_statement=(
        "There is an Information Sharing Agreement in place signed by all partner agencies to "
        "the panel. I will use what is shared here only for this panel's decisions."
    ),
    checklist=(
        "An Early Help Assessment is needed: more than 3 agencies are involved, and there is a "
        "wide range of needs.",
        "The lead agency is identified and has capacity.",
        "The Team Around the Family agencies are named.",
        "A time frame for the first TAF meeting is agreed.",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Return to the panel as a stuck case, or escalate to the Head of Service.",
    escalation_stages=("Head of Service",),
    outcomes=(
        Outcome(
            "eha",
            "Initiate an Early Help Assessment in a hub or in the community",
            needs_taf=True,
        ),
        # No lead professional and no TAF: Early Help practitioners deliver it (sources).
        Outcome(
            "universal-plus",
            "Initiate a Universal Plus intervention",
            needs_lead=False,
            carried_by="Early Help",
        ),
        Outcome("step-up-mash", "Initiate step up to MASH", needs_lead=False, closes_case=True),
        # A task for the Early Help Coordinator, tracked until done (sources: outcomes.follow-up).
        Outcome(
            "follow-up",
            "Further follow up/signposting by the Early Help Coordinator",
            needs_lead=False,
            carried_by="Early Help",
        ),
    ),
    combine_outcomes=True,
    milestones=(
        MilestoneRule("contact", "Contact the family", Period(2, Unit.WORKING_DAYS)),
        MilestoneRule("home-visit", "Arrange a home visit", Period(7, Unit.WORKING_DAYS)),
        MilestoneRule("assessment", "Complete the Early Help Assessment", Period(6, Unit.WEEKS)),
        MilestoneRule(
            "first-taf",
            "Convene the first Team Around the Family meeting",
            Period(10, Unit.WORKING_DAYS),
            anchor=Anchor.MILESTONE,
            after="assessment",
            set_at_panel=True,
        ),
        MilestoneRule(
            "taf-review",
            "Reconvene the Team Around the Family (review)",
            Period(12, Unit.WEEKS),
            anchor=Anchor.MILESTONE,
            after="first-taf",
        ),
        MilestoneRule(
            "universal-plus-review",
            "Review the Universal Plus work with the family (6 weeks; up to 12 if extended in "
            "supervision)",
            Period(6, Unit.WEEKS),
            for_outcomes=frozenset({"universal-plus"}),
        ),
        MilestoneRule(
            "follow-up",
            "Complete the follow up/signposting (Early Help Coordinator)",
            Period(10, Unit.WORKING_DAYS),
            for_outcomes=frozenset({"follow-up"}),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "cadence": "000 §5 Frequency: «Meetings are held weekly and will take place at the "
            "same time held virtually using Microsoft Teams.»",
            "weekday": "001 §5.4: «The Early Help Panel currently meets weekly on Tuesday "
            "mornings.»",
            "meeting_time": "DEFAULT: no start time in the seeds; 09:30 to 12:30 around the "
            "11:00 break.",
            "breaks": "000 §5 Agenda: «The meeting will hold a 15-minute break in discussion at "
            "11am»",
            "cutoff": "000 §5 Chairing: «All cases identified by Wednesday midday will be "
            "circulated for Wednesday afternoon to panel members who will have 4 working days to "
            "collate information and present the following Tuesday at panel.»",
            "circulation": "000 §5 Chairing: «circulated for Wednesday afternoon» (the hour, "
            "14:00, is a DEFAULT).",
            "info_check_deadline": "000 §5 Chairing: «panel members who will have 4 working "
            "days to collate information and present the following Tuesday at panel» (so "
            "answers are due on the panel's morning; 09:00, half an hour before it sits, is a "
            "DEFAULT).",
            "reminders": "DEFAULT: Friday 10:00 and Monday 12:00.",
            "localities": "001 §4.2: «the managers responsible for the Early Help Hub trays "
            "(South, West & East/Central)»",
            "max_cases_per_locality": "000 Preparation: «(maximum of 5 cases per locality weekly)»",
            "consent_required_for": "000: «If consent is not given, the case cannot be discussed "
            "at the Multi Agency Early Help Panel»",
            "safeguarding_message": "000 Support: «Any safeguarding issues should be referred "
            "immediately to the MASH and not wait for a panel discussion.»",
            "key_agencies": "DEFAULT: the seeds name 21 representatives but no key members.",
            "quorum_minimum": "DEFAULT: no quorum in the seeds; 3 key agencies present.",
            "confidentiality_statement": "001 §5.3: «There is an Information Sharing Agreement "
            "in place signed by all partner agencies to the panel.»",
            "checklist": "001 §5.1: «as there are more than 3 agencies involved, and there are a "
            "wide range of needs»; 000 Agenda: «Identification of lead agency who will take on "
            "responsibility for completing an Early Help Assessment and to provide a time frame "
            "for the first TAF meeting»",
            "chair_casting_vote": "000 Chairing: «Identify the lead service or organisation for "
            "each case where a decision is needed» (the chair decides a tie: DEFAULT).",
            "escalation_route": "000: «it needs to return to the panel (stuck cases) or it "
            "requires escalation.»",
            "escalation_stages": "DEFAULT: 000 says a case «requires escalation» but not to "
            "whom; the Head of Service.",
            "combine_outcomes": "000: «will recommend one or a combination of the following:»",
            "outcomes.eha": "000 Agenda: «Identification of lead agency who will take on "
            "responsibility for completing an Early Help Assessment and to provide a time frame "
            "for the first TAF meeting» (a lead and a Team Around the Family).",
            "outcomes.universal-plus": "001 §21.2: «There is no need for a Lead Professional or "
            "a TAF to be in place.» 001 §5.5: «will be allocated by Early Help managers directly "
            "to Early Help Practitioners»",
            "outcomes.follow-up": "000: «Further follow up/signposting to be completed by the "
            "Early Help Coordinator» (a task, so the case stays open until it is done).",
            "milestones.universal-plus-review": "001 §21.4: «up to 6 weeks, with a possible "
            "extension if agreed in supervision up to 12 weeks maximum»",
            "milestones.follow-up": "DEFAULT: 000 gives the Early Help Coordinator's follow up "
            "no timescale; 10 working days.",
            "outcomes": "000: «will recommend one or a combination of the following:» «Initiate "
            "a Universal Plus intervention» «Initiate step up to MASH» «Further follow "
            "up/signposting to be completed by the Early Help Coordinator»",
            "milestones.contact": "001 §6.1: «The LP should make contact with the family within "
            "**2 working days** of the work being allocated»",
            "milestones.home-visit": "001 §6.1: «arrange a home visit within **7 working days**»",
            "milestones.assessment": "001 §6.1: «The EHA should be completed within a maximum "
            "of 6 weeks of allocation.»",
            "milestones.first-taf": "001 §5.8: «An initial TAF meeting will be convened within "
            "10 working days of the LP concluding an Early Help Assessment (EHA) of the "
            "family.»",
            "milestones.taf-review": "001 §7.3: «The TAF will be reconvened every 12 weeks or "
            "sooner (dependent on circumstances) until it is agreed that:»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": "001 §22.2: «where the EHA is approaching being open for more "
            "than a year»",
        }
    ),
)

CAMDEN = Policy(
    key="camden",
    name="Camden Early Help Allocation Panel",
    cadence=Cadence.WEEKLY,
    weekday=3,
    meeting_time=time(10, 0),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(1, time(12, 0)),
    circulation=Moment(1, time(13, 30)),
    info_check_deadline=Moment(0, time(9, 0)),
    reminders=(Moment(1, time(16, 0)), Moment(0, time(8, 30))),
    localities=("Camden",),
    max_cases_per_locality=8,
    consent_required_for=frozenset({Section.STEP_DOWN}),
    key_agencies=frozenset(
        {
            "Early Help Community & Practice",
            "Integrated Early Years' Service",
            "Family Services",
            "Transformation Team",
            "Integrated Youth Support Service",
        }
    ),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    confidentiality_statement=(
        "I will adhere to the confidentiality and information sharing agreements of this panel "
        "(Early Help Panel sign-in sheet)."
    ),
    checklist=(
        "Threshold has been checked against the threshold document and the case meets level 2 "
        "threshold.",
        "There is enough information to adequately identify the child and family needs.",
        "Those needs have been matched to the right service.",
        "If the right early help service is not an LBC service, an alternative service in the "
        "community has been identified and the referrer advised how to refer to that service.",
    ),
    checklist_required=True,
    candidates=Candidates.ALL_PRESENT,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=False,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route=(
        "The chair activates Procedures for dispute resolution: Stage 3 of the CSCB escalation "
        "policy. The family must not be left without a service meanwhile."
    ),
    escalation_stages=(
        "Stage 3 of the CSCB escalation policy",
        "Stage 4 of the CSCB escalation policy",
    ),
    outcomes=(
        Outcome("allocate", "Allocate to an LBC Early Help service"),
        Outcome(
            "community-alternative",
            "Alternative service in the community identified; referrer advised",
            needs_lead=False,
            closes_case=True,
        ),
        Outcome(
            "recommendations",
            "Recommendations and case guidance (threshold not met or another agency)",
            needs_lead=False,
            closes_case=True,
        ),
    ),
    milestones=(
        MilestoneRule("contact", "A worker contacts the family", Period(5, Unit.WORKING_DAYS)),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "reminders": "DEFAULT: 002 sets no reminders (it never mentions one); 16:00 the "
            "working day before and 08:30 on the day.",
            "cadence": "002 Meeting requirements: «The group will meet weekly for 2 hours»",
            "weekday": "DEFAULT: no weekday or start time in the seed; Thursday 10:00 to 12:00.",
            "circulation": "002: «List of cases to be discussed to be sent by 1.30pm of the day "
            "prior to meeting where possible.»",
            "cutoff": "DEFAULT: 12:00 on the working day before, just ahead of circulation.",
            "info_check_deadline": "DEFAULT: 09:00 on the panel day.",
            "max_cases_per_locality": "DEFAULT: not in the seed; 8 cases for a 2-hour panel.",
            "consent_required_for": "002: «Explicit consent for panel is not required. Consent "
            "to referral includes the implied consent for discussion across all EH teams and "
            "relevant partners.» and, for step-downs, «ensuring full informed consent for "
            "discussion at the panel has been gained.»",
            "safeguarding_message": "DEFAULT: Barnet's wording; Camden refers at the «front "
            "door or MASH»",
            "key_agencies": "DEFAULT: the seed says «3 of 5 from key membership» but does not "
            "name them; these are its five core services.",
            "quorum_minimum": "002: «Panel must be quorate to undertake a vote – 3 of 5 from "
            "key membership»",
            "confidentiality_statement": "002: «Confidentiality & information sharing "
            "agreements to be adhered to. (Appendix 1 EHP Sign in sheet)»",
            "checklist": "002 Checklist for decision making: «Threshold has been checked "
            "against the threshold document and the case meets level 2 threshold.» «There is "
            "enough information to adequately identify the child and family needs.» «Those "
            "needs have been matched to the right service» «If the right early help service is "
            "not an LBC service, an alternative service in the community has been identified "
            "and the referrer advised how to refer to that service»",
            "checklist_required": "002 Decision making: «Checklist for decision making:»",
            "escalation_stages": "002: «Stage 3 of the CSCB escalation policy» «Differences of "
            "opinion should be resolved at the earliest stage possible with escalation to the "
            "next stage only taking place where a satisfactory resolution cannot be found.» "
            "(the next stage's name: DEFAULT; the seed names no later one)",
            "majority_base": "002: «Agreement regarding which early help service should receive "
            "a case should be by way of a simple majority panel vote in the first instance.»",
            "chair_casting_vote": "002: «Where agreement cannot be reached by vote, the "
            "escalation policy will be activated by the chair»",
            "escalation_route": "002: «To escalate a case for decision making, the chair will "
            "activate Procedures for dispute resolution: Stage 3 of the CSCB escalation "
            "policy.» «a dispute between agencies should never leave the family without a "
            "service.»",
            "outcomes": "002: «Recommendations and case guidance for cases that do not meet "
            "threshold for step down» (the list itself is a DEFAULT).",
            "milestones.contact": "002: «a worker makes contact with the family within 5 "
            "working days from the Early Help Allocation Panel meeting.»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

ST_HELENS = Policy(
    key="st-helens",
    name="St Helens Level 2 Panel",
    cadence=Cadence.WEEKLY,
    weekday=2,
    meeting_time=time(13, 30),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(3, time(12, 0)),
    circulation=Moment(3, time(14, 0)),
    info_check_deadline=Moment(1, time(16, 0)),
    reminders=(Moment(1, time(10, 0)),),
    localities=("St Helens",),
    max_cases_per_locality=6,
    consent_required_for=frozenset(Section),
    safeguarding_message=(
        "For Child Protection concerns a telephone call must be made to Contact Cares "
        "01744 676767, followed by a MASH service request. This family has not been listed."
    ),
    key_agencies=frozenset({"Early Help", "Home Start", "Health", "Education", "Police"}),
    quorum_basis=QuorumBasis.AGENCIES,
    quorum_minimum=3,
    confidentiality_statement=(
        "Parents and young people have given their permission for information about them to "
        "be shared at this meeting, for the purpose of ensuring that their children's needs "
        "are met. I will not share this information outside this meeting unless there are "
        "concerns about the safety of a child, or to support access to service provision on "
        "the family's behalf."
    ),
    checklist=(
        "What are the predominant needs of the unborn, child or family?",
        "Which agency has main responsibility for addressing those needs?",
        "Is this a statutory case (Social Care always leads)?",
        "Does anyone have an ongoing or a strong working relationship with the child?",
        "Who would the family prefer as their central point of contact?",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Refer to the Multi-agency Resolution Policy.",
    escalation_stages=("The Lead Professional's manager", "Multi-agency Resolution Policy"),
    outcomes=(
        Outcome("advice", "Advice and support only", needs_lead=False, closes_case=True),
        Outcome("home-start", "Home Start family support allocated"),
        Outcome("patch-agreed", "PATCH funding agreed"),
        Outcome("patch-declined", "PATCH funding declined", needs_lead=False, closes_case=True),
        # Kept open until the MASH's outcome is known (sources: outcomes.step-up-mash).
        Outcome("step-up-mash", "Step up to MASH", needs_lead=False),
        Outcome("signpost", "Signpost to universal services", needs_lead=False, closes_case=True),
    ),
    milestones=(
        # PATCH funding needs a current plan already, so it sets no new Family Action Meeting
        # (sources: milestones.family-action-meeting).
        MilestoneRule(
            "family-action-meeting",
            "Hold the Family Action Meeting",
            Period(15, Unit.WORKING_DAYS),
            for_outcomes=frozenset({"home-start"}),
        ),
        MilestoneRule(
            "plan-circulated",
            "Circulate the Family Action Plan",
            Period(10, Unit.WORKING_DAYS),
            anchor=Anchor.MILESTONE,
            after="family-action-meeting",
            for_outcomes=frozenset({"home-start"}),
        ),
        MilestoneRule(
            "panel-review",
            "Review at Level 2 Panel",
            Period(3, Unit.MONTHS),
            brings_back_to_panel=True,
            for_outcomes=frozenset({"home-start", "patch-agreed"}),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "cadence": "DEFAULT: the seed gives no cadence, day or time; weekly, Wednesday "
            "13:30 to 15:30.",
            "cutoff": "DEFAULT: 12:00 three working days before; circulation 14:00 that day.",
            "max_cases_per_locality": "DEFAULT: not in the seed.",
            "consent_required_for": "003 Standard 10: «Consent should be given from the "
            "identified family prior to presentation at L2 Panel.»",
            "safeguarding_message": "003 flowchart: «For Child Protection concems (Level 4 on "
            "the DON) a telephone call must be» «made to Contact Cares 01744 676767, followed "
            "by a MASH service request being»",
            "key_agencies": "003 Standard 10: «The aim of the panel is for key agencies to work "
            "together» (which agencies: DEFAULT).",
            "quorum_minimum": "DEFAULT: 003 sets no quorum (it never uses the words quorum or "
            "quorate); 3 agencies present.",
            "quorum_basis": "DEFAULT: 003 names no key members; any 3 agencies count.",
            "reminders": "DEFAULT: 003 sets no reminders; 10:00 the working day before.",
            "confidentiality_statement": "003 Family Action Meeting script: «Parents and young "
            "people have given their permission for information about them to be shared at "
            "this meeting, for the purpose of ensuring that their children’s needs are met.»",
            "checklist": "003 Lead Professional criteria: «What are the predominant needs of "
            "the unborn, child or family?» «Who would the family prefer as their central point "
            "of contact?»",
            "chair_casting_vote": "003 Standard 10: «The panel operates on a discussion basis, "
            "using the Signs of Wellbeing model.» (a casting vote in a tie: DEFAULT)",
            "escalation_route": "003: «If agreement cannot be reached, the Lead Professional "
            "should consult with their manager and, if necessary, refer to Multi-agency "
            "Resolution Policy»",
            "escalation_stages": "003: «the Lead Professional should consult with their "
            "manager and, if necessary, refer to Multi-agency Resolution Policy»",
            "outcomes": "003 Standard 10: «delivered by the named commissioned family support "
            "service Home Start via L2 Panel» «Funding will be considered on a case by case "
            "basis at Level 2 Panel» (the list is a DEFAULT).",
            "milestones.family-action-meeting": "003: «The Family Action Meeting will take "
            "place within 15 working days of the date this decision was made.» Not for PATCH "
            "funding, which needs a plan in place already: 003 PATCH funding: «The family must "
            "have current and active Early Help Assessment and Plan»",
            "outcomes.step-up-mash": "003: «EHAT record should remain open until MASH outcome "
            "has confirmed» (so the case stays open; it is closed when the outcome is known).",
            "milestones.plan-circulated": "003: «The Family Action Plan should be circulated to "
            "all parties who do not have access to the EHAT system within 10 working days of "
            "the Family Action Meeting.»",
            "milestones.panel-review": "003 Standard 10: «Where services or resources are "
            "allocated via Level 2 Panel, the initial referral will be reviewed at Level 2 "
            "Panel after three months»",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

LEICESTER = Policy(
    key="leicester",
    name="Leicester Multi Agency Support Panel",
    cadence=Cadence.MONTHLY,
    weekday=3,
    week_of_month=2,
    meeting_time=time(10, 0),
    meeting_length=timedelta(hours=2),
    cutoff=Moment(5, time(12, 0)),
    circulation=Moment(5, time(14, 0)),
    info_check_deadline=Moment(1, time(16, 0)),
    reminders=(Moment(3, time(10, 0)), Moment(1, time(10, 0))),
    localities=("Leicester",),
    max_cases_per_locality=8,
    sections=(Section.STUCK, Section.REVIEW, Section.STEP_DOWN, Section.NEW_REFERRAL),
    consent_required_for=frozenset(Section),
    safeguarding_message=(
        "In the case where there are immediate safeguarding concerns, a referral to the Duty "
        "and Advice Service should be made now. This family has not been listed."
    ),
    key_agencies=frozenset({"Social Care", "Early Help Services", "Health", "Schools", "Police"}),
    quorum_basis=QuorumBasis.KEY_MEMBERS,
    quorum_minimum=3,
    checklist=(
        "Can the child live safely with their family or within their kinship network?",
        "Would the resources asked for prevent escalation to Child in Need or Child Protection?",
        "Is a recommendation to the Leicester Access to Resources Panel needed?",
    ),
    candidates=Candidates.OFFERED_TO_LEAD,
    majority_base=MajorityBase.VOTES_CAST,
    chair_casting_vote=True,
    on_deadlock=Deadlock.ESCALATE,
    escalation_route="Refer to the Duty and Advice Service for a Social Care decision.",
    escalation_stages=("Duty and Advice Service",),
    outcomes=(
        Outcome("resources-agreed", "Resources agreed"),
        # Early Help stays in place until the Single Assessment's outcome (outcomes.step-up-cin).
        Outcome("step-up-cin", "Case stepped up to Child in Need", needs_lead=False),
        # The lead is appointed at the first TAF, not at the panel (outcomes.step-down).
        Outcome(
            "step-down",
            "Case stepped down to Early Help/Child In Need",
            needs_lead=False,
            carried_by="Early Help Services",
        ),
        Outcome(
            "child-protection", "Progress to Child Protection", needs_lead=False, closes_case=True
        ),
        Outcome(
            "refer-larp",
            "Refer to LARP (Leicester Access to Resources Panel)",
            needs_lead=False,
            closes_case=True,
        ),
    ),
    milestones=(
        MilestoneRule(
            "first-taf",
            "Arrange the first Team Around the Family meeting",
            Period(3, Unit.WEEKS),
            for_outcomes=frozenset({"step-down"}),
            set_at_panel=True,
        ),
        MilestoneRule(
            "plan-review",
            "Review the plan of action",
            Period(3, Unit.MONTHS),
            for_outcomes=frozenset({"resources-agreed", "step-down"}),
        ),
    ),
    retention=Period(24, Unit.MONTHS),
    sources=MappingProxyType(
        {
            "cadence": "004: «The panel meets monthly, referrals are made in writing (using "
            "referral form in place)»",
            "weekday": "DEFAULT: no day or time in the seed; the 2nd Thursday, 10:00 to 12:00.",
            "cutoff": "DEFAULT: 12:00 five working days before; circulation 14:00 that day.",
            "max_cases_per_locality": "DEFAULT: not in the seed.",
            "sections": "004: «Where a case is open to early help or social care and meets one "
            "of the following criteria» «No improvement» «Escalation of problems» (stuck cases "
            "first: DEFAULT).",
            "consent_required_for": "004: «must give consent at the start of the process»",
            "safeguarding_message": "004: «In the case where there are immediate safeguarding "
            "concerns, a referral to the Duty and Advice Service should be made.»",
            "key_agencies": "004: «Members of the panel may include:» (key members: DEFAULT)",
            "checklist": "004: «To provide management oversight and enable decision making to "
            "ensure that wherever possible children and young people are supported to live "
            "with their family or within their kinship network»",
            "outcomes": "004: «Resources agreed» «Case stepped up to Child in Need» «Case "
            "stepped down to Early Help/Child In Need» «Progress to Child Protection» «Refer to "
            "LARP (Leicester Access to Resources Panel)»",
            "quorum_minimum": "DEFAULT: 004 sets no quorum (it never uses the words quorum or "
            "quorate); 3 key agencies present.",
            "quorum_basis": "DEFAULT: 004 names no key members; the panel's key agencies count.",
            "reminders": "DEFAULT: 004 sets no reminders; 10:00 three working days and one "
            "working day before.",
            "escalation_route": "004: «a referral should be made to the Duty and Advice Service» "
            "(for needs that have become more complex; as the route when the panel cannot "
            "agree a lead: DEFAULT).",
            "confidentiality_statement": "004 asks for «Ensuring information sharing with "
            "appropriate agencies» but gives no statement to read; the words are a DEFAULT.",
            "outcomes.step-down": "004: «The first meeting will be chaired by the Family "
            "Support Manager in a locality, where a plan will be agreed and a Lead Practitioner "
            "appointed from the meeting.» (so no lead at the panel; Early Help Services carry "
            "it until then)",
            "escalation_stages": "004: «a referral should be made to the Duty and Advice "
            "Service» (one stage: DEFAULT).",
            "outcomes.step-up-cin": "004: «the Early Help service will remain in place until "
            "the outcome of the Single Assessment undertaken by social care is known» (so the "
            "case stays open).",
            "milestones.first-taf": "004: «The Family Support Manager should arrange the first "
            "TAF (Team around the Family) meeting within 3 weeks of the case being stepped "
            "down.»",
            "milestones.plan-review": "004: «a plan of action agreed and reviewed every 3 months "
            "until needs are met.»",
            "chair_casting_vote": "DEFAULT: the seed has no vote rule; simple majority with "
            "the chair's casting vote.",
            "on_closed_day": _NEXT_WORKING_DAY,
            "retention": _RETENTION,
            "nudge_before_working_days": _NUDGE,
            "drift_open_over": _DRIFT,
        }
    ),
)

PRESETS: Mapping[str, Policy] = MappingProxyType(
    {p.key: p for p in (BARNET, CAMDEN, ST_HELENS, LEICESTER)}
)
