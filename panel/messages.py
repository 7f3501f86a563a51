"""What the bot sends: one frozen dataclass per kind of message, and the one codec that stores
them in the outbox and reads them back.

A use case builds a `DirectMessage` (1:1, the only kind that may carry case detail) or a
`ChannelNotice` (numbers only) and hands it to `uow.send`; the delivery worker decodes the
stored row and renders the card for its body's type. Both ends name the same typed fields, so
a renamed field is a type error, not a message given up at 3 a.m. as "cannot be rendered".

Stored layout (`payload`): version 2 is `{"v": 2, "text": ..., "body": {...}}` for a 1:1 message
and `{"v": 2, "text": ..., "counts": {...}}` for a notice. Version 1 (before the types, still
in an outbox after an upgrade) is `{"text": ..., "data": {...}}` with the same field names,
lists for tuples, ISO strings for dates and the circulated fields under their policy names
("child-names"); `decode` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar, get_args

from panel.calendar import long_date
from panel.cases import Case
from panel.codec import Unreadable, decode_as, encode
from panel.console import ChairView
from panel.infochecks import AnswerLine
from panel.policy import CaseField, Section
from panel.relevance import QueuedFor
from panel.words import date_of_birth

# AnswerLine is defined with the information checks (the chair's papers use it too).
__all__ = ["AnswerLine"]

VERSION = 2
T = TypeVar("T")


class Kind(Enum):
    """What a message is; stored with it, and named in business support's undelivered list."""

    REFERRAL_ROLLED_OVER = "referral-rolled-over"
    REFERRER_NEWS = "referrer-news"
    ACTION = "action"
    CIRCULATION = "circulation"
    CIRCULATION_NOTICE = "circulation-notice"
    NO_TEAMS_LIST = "no-teams-list"
    INFO_CHECK_REMINDER = "info-check-reminder"
    STILL_MISSING = "still-missing"
    PANEL_STARTED = "panel-started"
    CASE_CARD = "case-card"
    VOTE_BALLOT = "vote-ballot"
    BREAK = "break"
    VOTE_RESULT = "vote-result"
    ALLOCATION = "allocation"
    OUTCOME = "outcome"
    OUTCOME_NOTICE = "outcome-notice"
    RECORD_ON_CASE_SYSTEM = "record-on-case-system"
    MINUTES = "minutes"
    MILESTONE_DUE = "milestone-due"
    DRIFT_REPORT = "drift-report"
    UNDELIVERED = "undelivered-digest"
    CONSOLE_UPDATE = "console-update"
    CORRECTION = "correction"
    ESCALATION = "escalation"
    LEAD = "lead"
    STEP_UP = "step-up"


PERSON = "person:"  # an outbox recipient: one person's 1:1 chat
CHANNEL = "channel:"  # an outbox recipient: a panel's notice channel


# -- Splitting what will not fit one Teams message ---------------------------------------------

# Free text one message carries at most, in characters: with the card around it, a part stays
# under the bot's 24 KB activity limit (bot/rendering.py; tests/bot/test_card_sizes.py).
PART_TEXT = 16_000


def part_of(key: str, text: str, part: int, parts: int) -> tuple[str, str]:
    """The outbox key and the sentence of one part of a message sent in parts. The first part
    keeps the key of the whole (a message queued before parts existed is the same message)."""
    return (
        key if part == 1 else f"{key}:{part}",
        text + (f" (part {part} of {parts})" if parts > 1 else ""),
    )


def in_parts(weights: Sequence[int], budget: int = PART_TEXT) -> list[range]:
    """Consecutive runs of items whose weights (characters of free text) fit `budget` each;
    an item heavier than the budget goes alone. At least one run, even for no items."""
    parts: list[range] = []
    start, used = 0, 0
    for index, weight in enumerate(weights):
        if index > start and used + weight > budget:
            parts.append(range(start, index))
            start, used = index, 0
        used += weight
    parts.append(range(start, len(weights)))
    return parts


# -- The bodies of 1:1 messages, one per kind ---------------------------------------------------


@dataclass(frozen=True)
class CirculatedCase:
    """A case as circulated: only the fields the policy shares; None for a field it does not."""

    case_id: str
    reference: str | None = None
    locality: str | None = None
    route: Section | None = None
    child_names: tuple[str, ...] | None = None
    child_dates_of_birth: tuple[str, ...] | None = None
    family_members: tuple[str, ...] | None = None
    presenting_needs: str | None = None
    consent: str | None = None
    # Why it is back before a panel (stuck, a review), shared as the needs are.
    back_because: str | None = None

    @classmethod
    def of(cls, case: Case, fields: frozenset[CaseField]) -> CirculatedCase:
        """Only the fields the policy allows to be shared (docs/safeguards.md §1)."""

        def shared(case_field: CaseField, value: T) -> T | None:
            return value if case_field in fields else None

        consent = case.consent
        return cls(
            case.id,
            reference=shared(CaseField.REFERENCE, case.reference),
            locality=shared(CaseField.LOCALITY, case.locality),
            route=shared(CaseField.ROUTE, case.route),
            child_names=shared(CaseField.CHILD_NAMES, tuple(c.name for c in case.children)),
            child_dates_of_birth=shared(
                CaseField.CHILD_DATES_OF_BIRTH,
                tuple(
                    c.date_of_birth.isoformat() if c.date_of_birth else "" for c in case.children
                ),
            ),
            family_members=shared(
                CaseField.FAMILY_MEMBERS, tuple(f"{p.name} ({p.relationship})" for p in case.family)
            ),
            presenting_needs=shared(CaseField.PRESENTING_NEEDS, case.presenting_needs),
            back_because=shared(CaseField.PRESENTING_NEEDS, case.why_back()) or None,
            consent=shared(
                CaseField.CONSENT,
                f"{consent.given_by}, on {long_date(consent.given_on)}" if consent else "",
            ),
        )

    def shown(self, on: date | None = None) -> list[tuple[CaseField, str]]:
        """The shared fields other than reference and route, in the policy's order, as text;
        dates of birth written out with each child's age on `on` (the panel's date)."""
        shown: list[tuple[CaseField, str]] = []
        for case_field in CaseField:
            value = getattr(self, case_field.value.replace("-", "_"), None)
            if value is None or case_field in (CaseField.REFERENCE, CaseField.ROUTE):
                continue
            if case_field is CaseField.CHILD_DATES_OF_BIRTH:
                value = tuple(date_of_birth(v, on) for v in value)
            shown.append((case_field, ", ".join(value) if isinstance(value, tuple) else value))
        return shown


@dataclass(frozen=True)
class RolledOver:
    """To the referrer: their case did not fit this sitting's agenda."""

    KIND: ClassVar[Kind] = Kind.REFERRAL_ROLLED_OVER
    case_id: str


@dataclass(frozen=True)
class ReferrerNews:
    """To the referrer (or to business support, to pass on): their case was listed, rolled
    over or decided. The text says what; nothing else is carried."""

    KIND: ClassVar[Kind] = Kind.REFERRER_NEWS
    case_id: str


@dataclass(frozen=True)
class Circulation:
    """A member's pack: the sitting's cases, only the fields the policy shares."""

    KIND: ClassVar[Kind] = Kind.CIRCULATION
    meeting_id: str
    panel_name: str
    panel_date: date
    deadline_at: datetime
    agency: str
    cases: tuple[CirculatedCase, ...]

    def without(self, gone: frozenset[str]) -> Circulation | None:
        """The pack without cases that have gone (withdrawn); None if none is left."""
        kept = tuple(c for c in self.cases if c.case_id not in gone)
        return (
            Circulation(
                self.meeting_id,
                self.panel_name,
                self.panel_date,
                self.deadline_at,
                self.agency,
                kept,
            )
            if kept
            else None
        )


@dataclass(frozen=True)
class NoTeamsList:
    """To business support: members who are not on Teams need the list another way."""

    KIND: ClassVar[Kind] = Kind.NO_TEAMS_LIST


@dataclass(frozen=True)
class InfoCheckReminder:
    KIND: ClassVar[Kind] = Kind.INFO_CHECK_REMINDER
    meeting_id: str
    missing_case_ids: tuple[str, ...]


@dataclass(frozen=True)
class StillMissing:
    """To the chair: agencies still without an answer."""

    KIND: ClassVar[Kind] = Kind.STILL_MISSING
    meeting_id: str


@dataclass(frozen=True)
class SignInRequest:
    """The sign-in card for one person: no case data."""

    KIND: ClassVar[Kind] = Kind.PANEL_STARTED
    meeting_id: str
    panel_name: str
    statement: str
    agency: str
    deputy: bool


@dataclass(frozen=True)
class CaseCard:
    """The case as the panel discusses it, to members present."""

    KIND: ClassVar[Kind] = Kind.CASE_CARD
    meeting_id: str
    case_id: str
    number: int
    view: CirculatedCase
    answers: tuple[AnswerLine, ...]
    capacity: tuple[tuple[str, int], ...]  # (agency, allocations), by agency
    checklist: tuple[str, ...]
    panel_date: date | None = None  # children's ages are given as on this day
    # A case card too large for one Teams message goes as several, each with some answers.
    part: int = 1
    parts: int = 1
    for_chair: bool = False  # the chair's copy: no agency of theirs to declare a conflict for

    @classmethod
    def parts_of(
        cls,
        meeting_id: str,
        case_id: str,
        number: int,
        view: CirculatedCase,
        answers: tuple[AnswerLine, ...],
        capacity: tuple[tuple[str, int], ...],
        checklist: tuple[str, ...],
        panel_date: date,
    ) -> tuple[CaseCard, ...]:
        """The case card as one message, or several when the answers would not fit one: the
        first carries the case, the capacity and the checklist; the answers fill the rest."""
        runs = in_parts([PART_TEXT // 3, *(len(a.information) + 200 for a in answers)])
        return tuple(
            cls(
                meeting_id,
                case_id,
                number,
                view,
                tuple(answers[i - 1] for i in run if i > 0),
                capacity if n == 1 else (),
                checklist if n == 1 else (),
                panel_date,
                n,
                len(runs),
            )
            for n, run in enumerate(runs, 1)
        )


@dataclass(frozen=True)
class Ballot:
    KIND: ClassVar[Kind] = Kind.VOTE_BALLOT
    meeting_id: str
    round_id: str
    reference: str
    agency: str
    candidates: tuple[str, ...]
    number: int


@dataclass(frozen=True)
class VoteResult:
    """To the chair and to everyone who had a ballot: a vote has closed, and how."""

    KIND: ClassVar[Kind] = Kind.VOTE_RESULT
    meeting_id: str
    case_id: str
    for_chair: bool = False  # only the chair's card offers the console


@dataclass(frozen=True)
class ConsoleUpdate:
    """The chair's console as it stands now, to replace the console message already in the
    holder's chat (a sign-in, a vote, a conflict changed it): nobody need press Refresh."""

    KIND: ClassVar[Kind] = Kind.CONSOLE_UPDATE
    message_id: str  # the Teams message the console is in
    view: ChairView


@dataclass(frozen=True)
class CorrectionNotice:
    """To everyone told the earlier result: the chair corrected it, and why (as typed)."""

    KIND: ClassVar[Kind] = Kind.CORRECTION
    reference: str
    what: str  # the bot's own sentence
    reason: str  # as the chair typed it: shown literally


@dataclass(frozen=True)
class EscalationNotice:
    """An escalation recorded, raised to the next stage, or resolved: to its owner (who acts
    on it from this card), the chairs, business support and the agency giving the interim
    service. The interim service and the resolution are as typed: shown literally."""

    KIND: ClassVar[Kind] = Kind.ESCALATION
    panel_id: str
    case_id: str
    reference: str
    what: str  # the bot's own sentence: what just happened
    steps: tuple[tuple[str, date, str], ...]  # (stage, from, why it went further)
    route: str
    owner: str  # the owner's name
    interim_service: str
    interim_agency: str
    resolution: str
    next_stage: str  # "" at the last stage, or once resolved
    acts: bool = False  # the reader may raise or resolve it (its owner, or a chair)


@dataclass(frozen=True)
class Allocation:
    """To the lead agency: the case is theirs, and when each step is due; its members are asked
    to name the lead practitioner. To that practitioner (`named`): the case and its dates, and
    the lead role can be handed over from it."""

    KIND: ClassVar[Kind] = Kind.ALLOCATION
    case_id: str
    milestones: tuple[tuple[str, date], ...]  # (milestone code, due)
    panel_id: str = ""  # "" in messages queued before practitioners could be named
    candidates: tuple[tuple[str, str], ...] = ()  # (person id, "Name (agency)")
    named: bool = False
    reason: str = ""  # handed over: why, as typed (shown literally)


@dataclass(frozen=True)
class StepUpNotice:
    """Safeguarding concerns on an open case were stepped up: to the lead's line manager, the
    chairs and business support. The concern is as typed, shown literally."""

    KIND: ClassVar[Kind] = Kind.STEP_UP
    reference: str
    what: str  # the bot's own sentence: who stepped it up, when
    concern: str
    mash_contact: str


@dataclass(frozen=True)
class LeadNotice:
    """The lead role moved: to the practitioner who had it and the chairs. The reason is as
    typed, shown literally."""

    KIND: ClassVar[Kind] = Kind.LEAD
    reference: str
    what: str  # the bot's own sentence
    reason: str


@dataclass(frozen=True)
class Outcome:
    """To those who attended: the case's outcome."""

    KIND: ClassVar[Kind] = Kind.OUTCOME
    case_id: str


@dataclass(frozen=True)
class ActionForAgency:
    """To the members of the agency that owns an action the panel agreed: what, and by when."""

    KIND: ClassVar[Kind] = Kind.ACTION
    meeting_id: str
    case_id: str
    reference: str
    owner: str
    text: str  # as the chair typed it: shown literally
    due: date


@dataclass(frozen=True)
class RecordOnCaseSystem:
    """To business support: a decision to tick off as recorded on the case system."""

    KIND: ClassVar[Kind] = Kind.RECORD_ON_CASE_SYSTEM
    meeting_id: str
    case_id: str


@dataclass(frozen=True)
class MinutesLine:
    number: int
    reference: str
    outcome: str
    lead_agency: str | None
    tally: str
    actions: tuple[str, ...]
    corrections: tuple[str, ...] = ()  # "what: reason", shown as typed
    section: str = ""  # Section's value
    conflicts: tuple[str, ...] = ()
    taf_agencies: tuple[str, ...] = ()
    taf_within: str = ""
    rationale: str = ""  # as the chair typed it
    dissent: str = ""  # as the chair typed it
    checklist: tuple[str, ...] = ()  # "1. line: answer", the answer as typed
    escalation: str = ""  # typed text inside: shown literally

    @property
    def weight(self) -> int:
        """Characters of free text, to split the minutes into messages that fit."""
        typed = (
            *self.actions,
            *self.corrections,
            *self.checklist,
            self.rationale,
            self.dissent,
            self.escalation,
        )
        return 400 + sum(len(t) + 50 for t in typed)


@dataclass(frozen=True)
class MinutesRecord:
    KIND: ClassVar[Kind] = Kind.MINUTES
    meeting_id: str
    panel_name: str
    panel_date: date
    present: tuple[str, ...]
    apologies: tuple[str, ...]
    quorum: str
    items: tuple[MinutesLine, ...]
    not_reached: tuple[str, ...]  # case references
    aob: tuple[str, ...]
    # Minutes too large for one Teams message go as several: attendance in the first, any
    # other business and cases not reached in the last.
    part: int = 1
    parts: int = 1
    chair: str = ""
    starts: str = ""
    attendees: tuple[str, ...] = ()
    apologised: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    next_panel: date | None = None
    escalations: tuple[str, ...] = ()  # from earlier sittings; typed text inside, shown literally

    def in_parts(self) -> tuple[MinutesRecord, ...]:
        """These minutes as one message, or as several when the items' text would not fit."""
        items, escalations = self.items, self.escalations
        closing = sum(len(t) + 100 for t in self.aob) + 50 * len(self.not_reached)
        opening = 200 + sum(len(t) + 20 for t in (*self.attendees, *self.apologised, *self.absent))
        runs = in_parts(
            [
                opening,
                *(line.weight for line in items),
                *(len(line) + 200 for line in escalations),
                closing,
            ]
        )
        first_escalation = len(items) + 1
        return tuple(
            replace(
                self,
                present=self.present if n == 1 else (),
                apologies=self.apologies if n == 1 else (),
                quorum=self.quorum if n == 1 else "",
                attendees=self.attendees if n == 1 else (),
                apologised=self.apologised if n == 1 else (),
                absent=self.absent if n == 1 else (),
                items=tuple(items[i - 1] for i in run if 0 < i <= len(items)),
                escalations=tuple(
                    escalations[i - first_escalation]
                    for i in run
                    if 0 <= i - first_escalation < len(escalations)
                ),
                not_reached=self.not_reached if n == len(runs) else (),
                aob=self.aob if n == len(runs) else (),
                part=n,
                parts=len(runs),
            )
            for n, run in enumerate(runs, 1)
        )


@dataclass(frozen=True)
class MilestoneNudge:
    """To the lead (or, overdue, their manager and the chair): a milestone coming up or late."""

    KIND: ClassVar[Kind] = Kind.MILESTONE_DUE
    panel_id: str
    case_id: str
    reference: str
    milestone: str  # its code
    label: str
    due: date
    stage: str  # "upcoming", "due" or "overdue"
    extend_to: str = ""  # "12 weeks": how far it may be extended in supervision, if at all
    acts: bool = True  # the reader may press its buttons (a manager off the roster may not)
    agency: str = ""  # who is to do it
    who: str = ""  # "Health (Pat Practitioner)": named on an overdue card
    closure_checks: tuple[str, ...] = ()  # what closing asks to be confirmed


@dataclass(frozen=True)
class DriftSummary:
    KIND: ClassVar[Kind] = Kind.DRIFT_REPORT
    panel_id: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (title, lines)


@dataclass(frozen=True)
class UndeliveredList:
    """To business support: messages Teams would not take (names, kinds, reasons; no content)."""

    KIND: ClassVar[Kind] = Kind.UNDELIVERED


Body = (
    RolledOver
    | ActionForAgency
    | ReferrerNews
    | Circulation
    | NoTeamsList
    | InfoCheckReminder
    | StillMissing
    | SignInRequest
    | CaseCard
    | Ballot
    | VoteResult
    | ConsoleUpdate
    | CorrectionNotice
    | EscalationNotice
    | Allocation
    | LeadNotice
    | StepUpNotice
    | Outcome
    | RecordOnCaseSystem
    | MinutesRecord
    | MilestoneNudge
    | DriftSummary
    | UndeliveredList
)
BODIES: dict[Kind, type[Body]] = {cls.KIND: cls for cls in get_args(Body)}


@dataclass(frozen=True)
class Counts:
    """A channel notice's numbers (e.g. cases per section): never case data
    (docs/safeguards.md §1)."""

    numbers: tuple[tuple[str, int], ...]


# -- The envelopes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectMessage:
    """A 1:1 message to one person. The only kind that may carry case detail."""

    person_id: str
    key: str  # idempotency key: the same key is delivered once
    text: str  # the bot's own sentence; also the notification preview
    body: Body
    # What it depends on; the delivery worker drops it once that has gone (docs/safeguards.md
    # §11). Required, so no new message forgets it; None only for one that stays true whatever
    # happens.
    queued_for: QueuedFor | None = field(kw_only=True)

    @property
    def kind(self) -> Kind:
        return self.body.KIND

    @property
    def recipient(self) -> str:
        return PERSON + self.person_id

    @property
    def payload(self) -> dict[str, object]:
        return {"v": VERSION, "text": self.text, "body": encode(self.body)}


@dataclass(frozen=True)
class ChannelNotice:
    """A notice to the panel's team channel. By construction it holds counts, never case data."""

    panel_id: str
    kind: Kind
    key: str
    counts: Mapping[str, int]
    text: str
    queued_for: QueuedFor | None = field(kw_only=True)

    @property
    def recipient(self) -> str:
        return CHANNEL + self.panel_id

    @property
    def payload(self) -> dict[str, object]:
        # Counts and the use case's own words: never case data (docs/safeguards.md §1).
        return {"v": VERSION, "text": self.text, "counts": dict(self.counts)}


Message = DirectMessage | ChannelNotice


@dataclass(frozen=True)
class Stored:
    """A queued message read back: its sentence and its typed body."""

    text: str
    body: Body | Counts


def decode(kind: str, payload: Mapping[str, Any]) -> Stored:
    """A stored message's sentence and body, from version 1 or 2 of the layout."""
    version = payload.get("v", 1)
    if version not in (1, VERSION):
        raise Unreadable(f"payload version {version!r}")
    text = payload.get("text", "")
    if not isinstance(text, str):
        raise Unreadable("text")
    if "counts" in payload:
        return Stored(text, decode_as(Counts, {"numbers": payload["counts"]}))
    try:
        cls = BODIES[Kind(kind)]
    except ValueError:
        raise Unreadable(f"kind {kind!r}") from None
    raw = payload.get("body" if version == VERSION else "data")
    return Stored(text, decode_as(cls, raw if raw is not None else {}))
