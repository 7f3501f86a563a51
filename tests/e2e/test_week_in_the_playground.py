"""The README's walk-through, in the Agents Playground in headless Chromium: business support
lists a family, freezes and circulates; members get the list 1:1 and answer the info-check."""

from __future__ import annotations

from tests.e2e.conftest import PlaygroundFactory

CHILD = "Zebedee Canary-Quill"
REFERENCES = [f"EHM-100{n}" for n in range(1, 6)]  # five families, one locality's full list


def list_a_family(reference: str, child: str) -> list[dict[str, object]]:
    return [
        {"send": "new case"},
        # The form's own label: the case list's "List a family" button would match too early.
        {"waitText": "Case reference (from the case system)", "in": "card"},
        {"fill": {"id": "reference", "value": reference}},
        {"choose": {"id": "locality", "value": "South"}},
        {"fill": {"id": "child1_name", "value": child}},
        {"fill": {"id": "child1_dob", "value": "2019-02-03"}},
        {"fill": {"id": "needs", "value": "School attendance; *not bold*"}},
        {"fill": {"id": "consent_by", "value": "Parent"}},
        {"fill": {"id": "consent_on", "value": "2026-01-05"}},
        {"click": "Save referral", "card": "Case reference (from the case system)"},
        {"waitText": f"Recorded {reference}", "in": "card"},
        {"click": "Put on panel list", "card": f"Recorded {reference}"},
        {"waitText": f"{reference}: listed for the panel on", "in": "card"},
    ]


def list_freeze_and_circulate(alex_steps: list[dict[str, object]]) -> list[dict[str, object]]:
    families = [
        step
        for n, reference in enumerate(REFERENCES)
        for step in list_a_family(reference, CHILD if n == 0 else f"Child {n + 1} Canary")
    ]
    return [
        *families,
        {"send": "agenda"},
        {"waitText": "Freeze now", "in": "card"},
        # Typed, it freezes at once; the card's button asks first before the cut-off, which
        # depends on the day this runs (tests/bot/test_week_over_http.py covers the question).
        {"send": "freeze now"},
        {"waitText": "Agenda frozen: 5 cases", "in": "card"},
        {"click": "Circulate now", "card": "Agenda frozen"},
        {"waitText": "The case list is queued for", "in": "card"},
        *alex_steps,
    ]


def answer_one(n: int, information: str) -> list[dict[str, object]]:
    """Answer the n-th case (from 1) on its own card, then go to the next one."""
    here = f"Case {n} of 5"
    steps: list[dict[str, object]] = [
        {"waitText": here, "in": "card"},
        {"choose": {"id": "known.*", "value": "Known to us"}, "card": here},
        {"fill": {"id": "information.*", "value": information}, "card": here},
        {"toggle": {"id": "could_lead.*", "on": True}, "card": here},
        {"click": "Save answer", "card": here},
        {"waitText": "Answer saved.", "in": "card"},
        {"read": "lastCard"},
    ]
    if n < 5:
        steps.append({"click": f"Next: {REFERENCES[n]}", "card": here})
    return steps


def answer(information: str) -> list[dict[str, object]]:
    """Every case, one at a time, each saved on its own card."""
    return [
        {"waitText": "Please answer each", "in": "card", "timeout": 20000},
        {"click": "Answer", "card": "Please answer each"},
        *(step for n in range(1, 6) for step in answer_one(n, f"{information} ({n})")),
    ]


def test_business_support_circulates_and_answers_as_their_agency(
    playground: PlaygroundFactory,
) -> None:
    alex = playground()

    result = alex.drive(list_freeze_and_circulate(answer("Known to the Early Help hub")))

    first, last = result.reads[0], result.reads[-1]
    assert len(result.reads) == 5  # one saved card per case
    assert "Known to us; could lead" in first
    assert "Known to the Early Help hub (1)" in first
    assert CHILD in first
    assert "Case 5 of 5" in last
    assert "Known to the Early Help hub (5)" in last


def test_a_member_receives_the_circulation_and_sees_the_saved_answer(
    playground: PlaygroundFactory,
) -> None:
    adele = playground(current_user="Adele Vance")
    adele.drive([{"send": "help"}, {"waitText": "my tasks", "in": "reply"}])
    alex = playground()

    alex.drive(list_freeze_and_circulate([]))
    result = adele.drive(answer("Health visitor *involved*"))

    saved = result.reads[0]
    assert "Known to us; could lead" in saved
    assert "Health visitor *involved* (1)" in saved  # shown literally, not as markdown
