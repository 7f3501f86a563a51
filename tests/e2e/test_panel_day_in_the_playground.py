"""Panel day in the Agents Playground in headless Chromium: the chair starts the panel,
members sign in 1:1, a member votes, the chair closes the round and records the outcome."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import PlaygroundFactory
from tests.e2e.test_week_in_the_playground import list_freeze_and_circulate

SIGN_IN: list[dict[str, Any]] = [
    {"waitText": "Sign in:", "in": "card", "timeout": 20000},
    {"toggle": {"id": "accept", "on": True}, "card": "Sign in:"},
    {"click": "Sign in", "card": "Sign in:"},
    {"waitText": "You are signed in", "in": "card"},
]


def test_a_member_votes_and_the_chair_closes_the_round_and_records_the_outcome(
    playground: PlaygroundFactory,
) -> None:
    people = {
        name: playground(current_user=name)
        for name in ("Megan Bowen", "Adele Vance", "Isaiah Langer")
    }
    for person in people.values():
        person.drive([{"send": "help"}, {"waitText": "my tasks", "in": "reply"}])
    alex = playground()
    alex.drive(list_freeze_and_circulate([]))
    megan, adele, isaiah = people["Megan Bowen"], people["Adele Vance"], people["Isaiah Langer"]

    megan.drive([{"send": "start panel"}, {"waitText": "The panel has started", "in": "card"}])
    for member in (alex, adele, isaiah):
        member.drive(SIGN_IN)
    megan.drive(
        [
            {"click": "Refresh", "card": "Chair:"},
            {"waitText": "Quorate: 3 key agencies present (3 needed)", "in": "card"},
            {"click": "Call vote", "card": "Chair:"},
            {"waitText": "Vote open between", "in": "card"},
        ]
    )
    voted = adele.drive(
        [
            {"waitText": "Vote: lead agency", "in": "card", "timeout": 20000},
            {"click": "Health", "card": "Vote: lead agency"},
            {"waitText": "Your vote for Health is recorded", "in": "card"},
            {"read": "lastCard"},
        ]
    )
    closed = megan.drive(
        [
            {"click": "Close vote", "card": "Chair:"},
            {"waitText": "Vote closed. Health leads", "in": "card"},
            {"click": "Record outcome", "card": "Chair:"},
            {"waitText": "Outcome for item 1", "in": "card"},
            {"choose": {"id": "outcome", "value": "eha"}, "card": "Outcome for item 1"},
            {"click": "Record outcome", "card": "Outcome for item 1"},
            {"waitText": "Outcome recorded for item 1", "in": "card"},
            # The chair's chat also gets the result 1:1, so read the console by its text.
            {"read": "lastCard", "card": "Outcome recorded for item 1"},
        ]
    )

    assert "You will be sent the result when the vote closes" in voted.reads[-1]
    assert "Health leads (Health 1)" not in voted.reads[-1]  # hidden from voters until close
    assert "lead: Health" in closed.reads[-1]
