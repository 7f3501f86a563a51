"""The life of a case, as an explicit state machine: a table of (state, event) -> state."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from panel.errors import IllegalTransition


class Status(Enum):
    REFERRED = "referred"
    LISTED = "listed"  # screened: waits for a panel's agenda
    DIRECT_ALLOCATION = "direct-allocation"  # screened: allocated without panel discussion
    REDIRECTED_TO_MASH = "redirected-to-mash"  # screened: a safeguarding matter, not a panel's
    ON_AGENDA = "on-agenda"
    ROLLED_OVER = "rolled-over"  # missed a full agenda or was not reached; goes to the next one
    CIRCULATED = "circulated"
    DISCUSSED = "discussed"
    ESCALATED = "escalated"  # the panel could not agree a lead: decided up a route, by stages
    OUTCOME = "outcome"
    TRACKING = "tracking"
    STUCK = "stuck"
    DUE_REVIEW = "due-review"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Event(Enum):
    LIST = "list"
    ALLOCATE_DIRECTLY = "allocate-directly"
    REDIRECT_TO_MASH = "redirect-to-mash"
    ADD_TO_AGENDA = "add-to-agenda"
    ROLL_OVER = "roll-over"
    CIRCULATE = "circulate"
    DISCUSS = "discuss"
    RECORD_OUTCOME = "record-outcome"
    ESCALATE = "escalate"
    RESOLVE_ESCALATION = "resolve-escalation"
    START_TRACKING = "start-tracking"
    MARK_STUCK = "mark-stuck"
    STEP_UP = "step-up"  # safeguarding concerns on an open case: to the line manager and MASH
    REVIEW_DUE = "review-due"
    CLOSE = "close"
    WITHDRAW = "withdraw"


S = Status
E = Event
_WAITING = (S.LISTED, S.ROLLED_OVER, S.STUCK, S.DUE_REVIEW)

TRANSITIONS: Mapping[tuple[Status, Event], Status] = MappingProxyType(
    {
        (S.REFERRED, E.LIST): S.LISTED,
        (S.REFERRED, E.ALLOCATE_DIRECTLY): S.DIRECT_ALLOCATION,
        (S.REFERRED, E.REDIRECT_TO_MASH): S.REDIRECTED_TO_MASH,
        **{(waiting, E.ADD_TO_AGENDA): S.ON_AGENDA for waiting in _WAITING},
        **{(waiting, E.ROLL_OVER): S.ROLLED_OVER for waiting in _WAITING},
        (S.ON_AGENDA, E.ROLL_OVER): S.ROLLED_OVER,
        (S.ON_AGENDA, E.CIRCULATE): S.CIRCULATED,
        (S.CIRCULATED, E.DISCUSS): S.DISCUSSED,
        (S.CIRCULATED, E.ROLL_OVER): S.ROLLED_OVER,  # not reached on the day
        (S.DISCUSSED, E.RECORD_OUTCOME): S.OUTCOME,
        (S.DISCUSSED, E.ROLL_OVER): S.ROLLED_OVER,  # deferred for more information
        (S.DISCUSSED, E.ESCALATE): S.ESCALATED,
        (S.ESCALATED, E.ESCALATE): S.ESCALATED,  # raised to the next stage
        (S.ESCALATED, E.RESOLVE_ESCALATION): S.OUTCOME,
        (S.OUTCOME, E.START_TRACKING): S.TRACKING,
        (S.OUTCOME, E.CLOSE): S.CLOSED,
        (S.DIRECT_ALLOCATION, E.START_TRACKING): S.TRACKING,
        (S.TRACKING, E.MARK_STUCK): S.STUCK,
        # Early Help stays in place until the MASH decides (Barnet 001 §12.3-12.4): the case is
        # still tracked; the lead closes it if the MASH passes it to social care (§12.7).
        (S.TRACKING, E.STEP_UP): S.TRACKING,
        (S.TRACKING, E.REVIEW_DUE): S.DUE_REVIEW,
        (S.TRACKING, E.CLOSE): S.CLOSED,
        (S.STUCK, E.CLOSE): S.CLOSED,
        (S.DUE_REVIEW, E.CLOSE): S.CLOSED,
        **{
            (before, E.WITHDRAW): S.WITHDRAWN
            for before in (S.REFERRED, S.LISTED, S.ROLLED_OVER, S.ON_AGENDA, S.CIRCULATED)
        },
    }
)

# What each event is called in a refusal, so the message reads as plain English.
_DOING = {
    E.LIST: "list it for a panel",
    E.ALLOCATE_DIRECTLY: "allocate it directly",
    E.REDIRECT_TO_MASH: "redirect it to the MASH",
    E.ADD_TO_AGENDA: "put it on an agenda",
    E.ROLL_OVER: "roll it over to the next panel",
    E.CIRCULATE: "circulate it",
    E.DISCUSS: "discuss it",
    E.RECORD_OUTCOME: "record an outcome",
    E.ESCALATE: "escalate it",
    E.RESOLVE_ESCALATION: "record an escalation's resolution",
    E.START_TRACKING: "start follow-up tracking",
    E.MARK_STUCK: "mark it stuck",
    E.STEP_UP: "step it up",
    E.REVIEW_DUE: "mark it due for review",
    E.CLOSE: "close it",
    E.WITHDRAW: "withdraw it",
}

TERMINAL: frozenset[Status] = frozenset({S.CLOSED, S.WITHDRAWN, S.REDIRECTED_TO_MASH})
# Referred and not yet discussed: what business support works on in the week before a panel.
BEFORE_PANEL: frozenset[Status] = frozenset(
    {S.REFERRED, S.LISTED, S.ROLLED_OVER, S.ON_AGENDA, S.CIRCULATED, S.STUCK, S.DUE_REVIEW}
)
# Still only referred or waiting for an agenda: the referral can be corrected.
EDITABLE: frozenset[Status] = frozenset({S.REFERRED, S.LISTED, S.ROLLED_OVER})
# Not yet discussed: the case can still be withdrawn (the family withdrew consent, say).
WITHDRAWABLE: frozenset[Status] = frozenset(s for s, e in TRANSITIONS if e is E.WITHDRAW)


def next_status(current: Status, event: Event) -> Status:
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise IllegalTransition(
            f"This case is {current.value.replace('-', ' ')}, so you cannot {_DOING[event]}."
        ) from None
