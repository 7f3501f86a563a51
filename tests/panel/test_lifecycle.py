from __future__ import annotations

import pytest

from panel.errors import IllegalTransition
from panel.lifecycle import TERMINAL, TRANSITIONS, Event, Status, next_status

HAPPY_PATH = [
    (Event.LIST, Status.LISTED),
    (Event.ADD_TO_AGENDA, Status.ON_AGENDA),
    (Event.CIRCULATE, Status.CIRCULATED),
    (Event.DISCUSS, Status.DISCUSSED),
    (Event.RECORD_OUTCOME, Status.OUTCOME),
    (Event.START_TRACKING, Status.TRACKING),
    (Event.MARK_STUCK, Status.STUCK),
    (Event.ADD_TO_AGENDA, Status.ON_AGENDA),
]


def test_a_case_goes_from_referral_to_tracking_and_back_on_the_agenda_when_stuck() -> None:
    status = Status.REFERRED
    for event, expected in HAPPY_PATH:
        status = next_status(status, event)
        assert status is expected


def test_a_case_due_review_goes_back_on_the_agenda_or_closes() -> None:
    assert next_status(Status.DUE_REVIEW, Event.ADD_TO_AGENDA) is Status.ON_AGENDA
    assert next_status(Status.DUE_REVIEW, Event.CLOSE) is Status.CLOSED


def test_an_overflowing_case_rolls_over_and_can_be_rolled_again() -> None:
    assert next_status(Status.LISTED, Event.ROLL_OVER) is Status.ROLLED_OVER
    assert next_status(Status.ROLLED_OVER, Event.ROLL_OVER) is Status.ROLLED_OVER
    assert next_status(Status.ROLLED_OVER, Event.ADD_TO_AGENDA) is Status.ON_AGENDA


def test_screening_can_allocate_directly_or_redirect_to_the_mash() -> None:
    assert next_status(Status.REFERRED, Event.ALLOCATE_DIRECTLY) is Status.DIRECT_ALLOCATION
    assert next_status(Status.DIRECT_ALLOCATION, Event.START_TRACKING) is Status.TRACKING
    assert next_status(Status.REFERRED, Event.REDIRECT_TO_MASH) is Status.REDIRECTED_TO_MASH


def test_a_closed_case_cannot_go_back_on_the_agenda_and_the_message_says_why() -> None:
    with pytest.raises(IllegalTransition, match="This case is closed, so you cannot put it on"):
        next_status(Status.CLOSED, Event.ADD_TO_AGENDA)


@pytest.mark.parametrize("status", [s for s in Status if s in TERMINAL])
def test_nothing_leaves_a_terminal_state(status: Status) -> None:
    for event in Event:
        with pytest.raises(IllegalTransition):
            next_status(status, event)


def test_every_state_is_reachable_from_a_referral() -> None:
    reached = {Status.REFERRED}
    frontier = [Status.REFERRED]
    while frontier:
        current = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status)
