"""The README's walk-through, in the Agents Playground in headless Chromium: business support
lists a family, freezes and circulates; members get the list 1:1 and answer the info-check."""

from __future__ import annotations

from tests.e2e.conftest import PlaygroundFactory

CHILD = "Zebedee Canary-Quill"


def list_freeze_and_circulate(alex_steps: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        {"send": "new case"},
        {"waitText": "List a family", "in": "card"},
        {"fill": {"id": "reference", "value": "EHM-1001"}},
        {"choose": {"id": "locality", "value": "South"}},
        {"fill": {"id": "child1_name", "value": CHILD}},
        {"fill": {"id": "child1_dob", "value": "2019-02-03"}},
        {"fill": {"id": "needs", "value": "School attendance; *not bold*"}},
        {"fill": {"id": "consent_by", "value": "Parent"}},
        {"fill": {"id": "consent_on", "value": "2026-01-05"}},
        {"click": "List for panel", "card": "List a family"},
        {"waitText": "Recorded EHM-1001", "in": "card"},
        {"click": "List for panel", "card": "Recorded EHM-1001"},
        {"waitText": "Listed for the next panel.", "in": "card"},
        {"send": "agenda"},
        {"waitText": "Freeze now", "in": "card"},
        {"click": "Freeze now", "card": "Freeze now"},
        {"waitText": "Agenda frozen: 1 case", "in": "card"},
        {"click": "Circulate now", "card": "Agenda frozen"},
        {"waitText": "Sent to", "in": "card"},
        *alex_steps,
    ]


def answer(information: str) -> list[dict[str, object]]:
    return [
        {"waitText": "Please answer each", "in": "card", "timeout": 20000},
        # Each case is answered on a card of its own, opened from the list.
        {"click": "Answer", "card": "Please answer each"},
        {"waitText": "Case 1 of 1", "in": "card"},
        {"choose": {"id": "known.*", "value": "Known to us"}, "card": "Case 1 of 1"},
        {"fill": {"id": "information.*", "value": information}, "card": "Case 1 of 1"},
        {"toggle": {"id": "could_lead.*", "on": True}, "card": "Case 1 of 1"},
        {"click": "Save answer", "card": "Case 1 of 1"},
        {"waitText": "Answer saved.", "in": "card"},
        {"read": "lastCard"},
    ]


def test_business_support_circulates_and_answers_as_their_agency(
    playground: PlaygroundFactory,
) -> None:
    alex = playground()

    result = alex.drive(list_freeze_and_circulate(answer("Known to the Early Help hub")))

    saved = result.reads[-1]
    assert "Known to us; could lead" in saved
    assert "Known to the Early Help hub" in saved
    assert CHILD in saved


def test_a_member_receives_the_circulation_and_sees_the_saved_answer(
    playground: PlaygroundFactory,
) -> None:
    adele = playground(current_user="Adele Vance")
    adele.drive([{"send": "help"}, {"waitText": "my tasks", "in": "reply"}])
    alex = playground()

    alex.drive(list_freeze_and_circulate([]))
    result = adele.drive(answer("Health visitor *involved*"))

    saved = result.reads[-1]
    assert "Known to us; could lead" in saved
    assert "Health visitor *involved*" in saved  # shown literally, not as markdown
