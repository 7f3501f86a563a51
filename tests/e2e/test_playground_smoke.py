"""The harness itself, against the bot as it is: the Playground's people reach it; it answers."""

from __future__ import annotations

from tests.e2e.conftest import PlaygroundFactory

NOT_UNDERSTOOD = "I didn't understand that. Type help."


def test_alex_asks_for_help_in_the_personal_chat(playground: PlaygroundFactory) -> None:
    alex = playground()

    result = alex.drive(
        [
            {"read": "user"},
            # First a text only this reply has; by then any welcome (it says the help too) is in.
            {"send": "what's for lunch?"},
            {"waitText": NOT_UNDERSTOOD, "in": "reply"},
            {"send": "help"},
            {"waitText": "my tasks", "in": "reply"},
            {"read": "reply"},
        ]
    )

    user, help_text = result.reads
    assert user == "Alex Wilber"
    assert "new case" in help_text
    assert NOT_UNDERSTOOD not in help_text


def test_two_people_each_in_their_own_playground(playground: PlaygroundFactory) -> None:
    alex = playground()
    adele = playground(current_user="Adele Vance")

    assert adele.drive([{"read": "user"}]).reads == ["Adele Vance"]
    adele.drive([{"send": "help"}, {"waitText": "my tasks", "in": "reply"}])
    alex.drive([{"send": "nonsense"}, {"waitText": NOT_UNDERSTOOD, "in": "reply"}])
    # Each page keeps its own conversation: Adele's still shows her answer, and not Alex's.
    pane = adele.drive([{"read": "pane"}]).reads[0]
    assert "my tasks" in pane
    assert NOT_UNDERSTOOD not in pane
