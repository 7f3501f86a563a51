"""One sitting of a panel: its frozen agenda, the week's answers, the day's attendance and votes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from panel.agenda import Agenda, AgendaItem
from panel.errors import AgendaFrozen, DeadlinePassed, InvalidInput, NotFound, VoteRejected
from panel.infochecks import InfoCheck
from panel.outcomes import Decision
from panel.policy import CaseField
from panel.quorum import Attendance
from panel.votes import RoundState, VoteRound


class SeatTaken(InvalidInput):
    """Someone already sits for this agency; `person_id` says who."""

    def __init__(self, person_id: str) -> None:
        super().__init__("Someone already sits for your agency at this panel.")
        self.person_id = person_id


class MeetingStatus(Enum):
    PLANNED = "planned"
    FROZEN = "frozen"
    CIRCULATED = "circulated"
    IN_SESSION = "in-session"
    CLOSED = "closed"


@dataclass(frozen=True)
class CirculationRecord:
    """What went to whom, and on what basis: the information-sharing record."""

    person_id: str
    agency: str
    case_ids: tuple[str, ...]
    fields: frozenset[CaseField]
    basis: str
    at: datetime


@dataclass(frozen=True)
class Correction:
    """The chair corrected the panel's record of a case on the day (a vote re-opened, an
    outcome changed): what, and why in the chair's words. The minutes carry it."""

    case_id: str
    what: str  # the bot's own sentence
    reason: str  # as the chair typed it


@dataclass(frozen=True)
class MinutesItem:
    number: int
    case_id: str
    outcome: str
    lead_agency: str | None
    tally: str
    actions: tuple[str, ...]
    corrections: tuple[str, ...] = ()  # "what: reason", shown as typed
    # The record a panel answers to (issue 15): what was weighed, and who disagreed.
    section: str = ""
    conflicts: tuple[str, ...] = ()  # agencies that declared one
    taf_agencies: tuple[str, ...] = ()
    taf_within: str = ""  # "10 working days"
    rationale: str = ""
    dissent: str = ""
    checklist: tuple[str, ...] = ()  # "1. line: answer", the answer as typed
    escalation: str = ""  # its stages, interim service and resolution (typed text inside)


@dataclass(frozen=True)
class Minutes:
    panel_date: date
    present: tuple[str, ...]  # agencies
    apologies: tuple[str, ...]  # agencies
    quorum: str
    items: tuple[MinutesItem, ...]
    not_reached: tuple[str, ...]
    aob: tuple[str, ...] = ()
    chair: str = ""  # the chair's name
    starts: str = ""  # the sitting's time, "09:30"
    attendees: tuple[str, ...] = ()  # "Adele Vance (Health)", "Lynne Robbins (Police, deputy …)"
    apologised: tuple[str, ...] = ()  # "Patti Fernandez (Police)"
    absent: tuple[str, ...] = ()  # agencies neither present nor apologised
    next_panel: date | None = None  # where items not reached went
    # Escalations from earlier sittings: resolved since, or still open ("EHM-301: ...").
    escalations: tuple[str, ...] = ()


@dataclass
class Meeting:
    id: str
    panel_id: str
    panel_date: date
    status: MeetingStatus = MeetingStatus.PLANNED
    agenda: Agenda | None = None
    answers: dict[tuple[str, str], InfoCheck] = field(default_factory=dict)
    capacity: dict[str, int] = field(default_factory=dict)
    attendance: dict[str, Attendance] = field(default_factory=dict)  # by person id
    conflicts: set[tuple[str, str]] = field(default_factory=set)  # (case id, agency)
    rounds: dict[str, VoteRound] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    circulations: list[CirculationRecord] = field(default_factory=list)
    done: set[str] = field(default_factory=set)  # idempotency keys of steps already taken
    minutes: Minutes | None = None
    aob: list[str] = field(default_factory=list)  # any other business, in the order noted
    in_hand: str | None = None  # the case the chair opened last: its papers are on the console
    # Where each console is in its holder's chat (person id: Teams message id), so that a
    # sign-in, a vote or a conflict brings it up to date without anyone pressing Refresh.
    consoles: dict[str, str] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)

    def freeze(self, agenda: Agenda) -> None:
        if self.status is not MeetingStatus.PLANNED:
            raise AgendaFrozen("The agenda for this panel is already frozen.")
        self.agenda, self.status = agenda, MeetingStatus.FROZEN

    @property
    def items(self) -> tuple[AgendaItem, ...]:
        return self.agenda.items if self.agenda else ()

    def require_on_agenda(self, case_id: str) -> None:
        if self.agenda is None or self.agenda.item_for(case_id) is None:
            raise NotFound("That case is not on this panel's agenda.")

    def require_status(self, *allowed: MeetingStatus, doing: str) -> None:
        if self.status not in allowed:
            state = self.status.value.replace("-", " ")
            raise DeadlinePassed(f"This panel is {state}, so you cannot {doing} now.")

    def record_answer(self, answer: InfoCheck) -> None:
        self.require_on_agenda(answer.case_id)
        self.require_status(
            MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION, doing="answer information checks"
        )
        self.answers[(answer.case_id, answer.agency)] = answer

    def withdraw(self, case_id: str) -> None:
        """The case leaves this sitting from now on: its agenda item (the others keep their
        numbers, so every list still agrees with the chair's) or its overflow line. Its
        answers stay as the record of what was shared; nothing shows or acts on them again."""
        if self.vote_undecided(case_id):
            raise VoteRejected("A vote on this case is still open: close it first.")
        if self.agenda is not None:
            self.agenda = Agenda(
                tuple(i for i in self.agenda.items if i.case_id != case_id),
                tuple(o for o in self.agenda.overflow if o.case_id != case_id),
            )

    def lists(self, case_id: str) -> bool:
        """Whether the case is on this sitting's agenda or its overflow."""
        return self.agenda is not None and (
            self.agenda.item_for(case_id) is not None
            or any(o.case_id == case_id for o in self.agenda.overflow)
        )

    def sign_in(self, attendance: Attendance) -> None:
        """One seat per agency: a second person signing in as present for an agency that
        already sits (a deputy beside their principal) is refused, so case cards and ballots
        go to one person per agency."""
        self.require_status(MeetingStatus.IN_SESSION, doing="sign in")
        if attendance.counts:
            seated = self.seated_for(attendance.agency)
            if seated is not None and seated != attendance.person_id:
                raise SeatTaken(seated)
        self.attendance[attendance.person_id] = attendance

    def seated_for(self, agency: str) -> str | None:
        """Who sits for the agency now (present or deputising), if anyone."""
        return next(
            (p for p, a in self.attendance.items() if a.agency == agency and a.counts), None
        )

    def attending(self) -> list[str]:
        """Who signed in as present or deputising (not apologies), in sign-in order."""
        return [person for person, record in self.attendance.items() if record.counts]

    def agency_attending_as(self, person_id: str) -> str | None:
        record = self.attendance.get(person_id)
        return record.agency if record is not None and record.counts else None

    def declare_conflict(self, case_id: str, agency: str) -> None:
        self.require_on_agenda(case_id)
        self.conflicts.add((case_id, agency))

    def conflicted(self, case_id: str) -> frozenset[str]:
        return frozenset(agency for c, agency in self.conflicts if c == case_id)

    def round(self, round_id: str) -> VoteRound:
        try:
            return self.rounds[round_id]
        except KeyError:
            raise VoteRejected("That vote does not belong to this panel.") from None

    def vote_undecided(self, case_id: str) -> bool:
        """A vote on the case is open, or waits for the chair's casting vote."""
        undecided = (RoundState.OPEN, RoundState.AWAITING_CASTING_VOTE)
        return any(r.case_id == case_id and r.state in undecided for r in self.rounds.values())

    def open_round_for(self, case_id: str) -> VoteRound | None:
        return next(
            (r for r in self.rounds.values() if r.case_id == case_id and not r.state.closed), None
        )

    def add_round(self, vote: VoteRound) -> None:
        if self.open_round_for(vote.case_id) is not None:
            raise VoteRejected("A vote is already open for this case.")
        if vote.id in self.rounds:
            raise InvalidInput("Vote round ids must be unique.")
        self.rounds[vote.id] = vote
