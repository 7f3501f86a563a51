"""The chair's console as data: the agenda's items with their states, the item in hand with
its case papers, attendance and quorum. Built by `usecases/panel_day.py`, shown by
`cards/panel_day.py`, and carried whole in the outbox when the console is brought up to date
in the chair's chat (so every field is one the outbox codec can store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from panel.infochecks import AnswerLine
from panel.meeting import Meeting, MeetingStatus
from panel.policy import Section
from panel.votes import RoundState, VoteRound


class ItemState(Enum):
    WAITING = "waiting"
    OPENED = "opened"
    VOTING = "voting"
    CASTING_VOTE = "casting-vote"
    VOTED = "voted"  # the vote decided; the outcome is still to record
    ESCALATED = "escalated"  # the vote could not decide: the chair records an escalation
    AWAITING_RESOLUTION = "awaiting-resolution"  # escalated, with its owner and interim service
    DECIDED = "decided"

    @property
    def settled(self) -> bool:
        """The item has its result for today: an outcome, or an escalation under way."""
        return self in (ItemState.DECIDED, ItemState.AWAITING_RESOLUTION)


@dataclass(frozen=True)
class CasePapers:
    """What the chair needs for the item in hand: every agency's answer, and who gave none,
    who offered to lead, capacity, conflicts, the decision checklist, and what the vote would
    be between."""

    case_id: str
    number: int
    reference: str
    answers: tuple[AnswerLine, ...]
    no_answer: tuple[str, ...]
    offered: tuple[str, ...]
    capacity: tuple[tuple[str, int], ...]
    conflicts: tuple[str, ...]
    checklist: tuple[str, ...]
    candidates: tuple[str, ...]  # present, and (per policy) offered to lead


@dataclass(frozen=True)
class ItemView:
    number: int
    case_id: str
    reference: str  # staff only: the shared view has no reference
    section: Section
    locality: str
    state: ItemState
    round_id: str | None = None
    votes_cast: int = 0
    eligible: int = 0
    result: str = ""
    contenders: tuple[str, ...] = ()
    winner: str | None = None
    outcome: str = ""
    lead_agency: str | None = None
    recorded: bool = False
    rounds: int = 0  # vote rounds held so far
    escalation: str = ""  # escalated at this sitting: "Stage 3 ...; owner Megan Bowen"


@dataclass(frozen=True)
class ChairView:
    panel_id: str
    panel_name: str
    meeting_id: str
    panel_date: date
    status: MeetingStatus
    quorum_line: str
    quorate: bool
    attendance: tuple[tuple[str, str], ...]  # (agency, "present" / "deputy" / "apologies")
    items: tuple[ItemView, ...]
    outcomes: tuple[tuple[str, str], ...]  # (code, label)
    agencies: tuple[str, ...]
    can_add: tuple[tuple[str, str, Section], ...]  # (case id, reference, section) to add today
    aob: tuple[str, ...] = ()
    papers: CasePapers | None = None  # the item in hand, until it is decided
    next_panel: date | None = None  # where items not reached roll to
    checklist: tuple[str, ...] = ()  # answered on the outcome form
    checklist_required: bool = False
    combine_outcomes: bool = False
    owners: tuple[tuple[str, str], ...] = ()  # (person id, "Name (agency)"): escalation owners
    escalation_stages: tuple[str, ...] = ()  # the policy's, earliest first

    @property
    def not_reached(self) -> tuple[ItemView, ...]:
        """Items with no outcome and no escalation: closing now rolls them to the next panel."""
        return tuple(i for i in self.items if not i.state.settled)

    def item(self, case_id: str) -> ItemView | None:
        return next((i for i in self.items if i.case_id == case_id), None)


@dataclass(frozen=True)
class SharedItem:
    number: int
    section: Section
    state: ItemState


@dataclass(frozen=True)
class SharedView:
    """For a group chat, channel or meeting chat: numbers, sections and states only."""

    panel_id: str
    panel_name: str
    panel_date: date
    status: MeetingStatus
    quorum_line: str
    items: tuple[SharedItem, ...]


def item_state(meeting: Meeting, case_id: str) -> tuple[ItemState, VoteRound | None]:
    if case_id in meeting.decisions:
        return ItemState.DECIDED, None
    if f"escalated:{case_id}" in meeting.done:
        return ItemState.AWAITING_RESOLUTION, None
    rounds = [r for r in meeting.rounds.values() if r.case_id == case_id]
    latest = rounds[-1] if rounds else None
    if latest is not None:
        state = {
            RoundState.OPEN: ItemState.VOTING,
            RoundState.AWAITING_CASTING_VOTE: ItemState.CASTING_VOTE,
            RoundState.DECIDED: ItemState.VOTED,
            RoundState.ESCALATED: ItemState.ESCALATED,
            RoundState.REVOTE: ItemState.VOTING,
        }[latest.state]
        return state, latest
    if f"opened:{case_id}" in meeting.done:
        return ItemState.OPENED, None
    return ItemState.WAITING, None
