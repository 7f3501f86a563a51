"""What people type that a form cannot use comes back with a plain message and what they
typed, never a 5xx, a traceback or their words in the log (docs/safeguards.md §9)."""

from __future__ import annotations

import logging

import pytest

from cards.verbs import Verb
from tests.bot.teams import ADELE, ALEX, ISAIAH, MEGAN, Teams, texts_of
from tests.bot.test_panel_day_over_http import outcome_inputs, prepare, sign_in
from tests.bot.test_week_over_http import FORM, action_data, circulated
from tests.card_nodes import nodes
from tests.panel.world import CANARY_CHILD

LONE_SURROGATE = "Ada \ud800 Lovelace"


def input_value(card: dict[str, object], input_id: str) -> object:
    return next((n.get("value") for n in nodes(card) if n.get("id") == input_id), None)


@pytest.mark.parametrize(
    "typed", [CANARY_CHILD, "1e999", "inf", "-Infinity", "NaN", "2.5", "²", "-1", "51", "0x10"]
)
async def test_capacity_that_is_not_a_whole_number_gets_a_plain_answer_and_is_not_logged(
    teams: Teams, caplog: pytest.LogCaptureFixture, typed: str
) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]

    status, body = await teams.invoke(
        ADELE,
        Verb.CAPACITY_RECORD,
        {
            "meeting": meeting,
            "capacity": typed,
            f"information.{case_id}": "Typed but not yet saved",
        },
    )

    assert status == 200
    card = body["value"]
    assert "Capacity must be a whole number from 0 to 50." in texts_of(card)
    # Each case is answered on a card of its own, so the capacity's card holds no answer
    # typed for a case that its refusal could lose (issue 13).
    assert input_value(card, f"information.{case_id}") is None
    assert [n for n in nodes(card) if str(n.get("id", "")).startswith("information.")] == []
    assert CANARY_CHILD not in caplog.text
    assert "Traceback" not in caplog.text


async def test_a_number_sent_as_json_is_judged_the_same(teams: Teams) -> None:
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]

    too_big = await teams.press(
        ADELE, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": 1e308}
    )
    fine = await teams.press(ADELE, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": "3"})

    assert "whole number" in texts_of(too_big)
    assert "Capacity saved." in texts_of(fine)
    assert case_id


async def test_a_name_that_cannot_be_stored_brings_the_form_back_as_typed(teams: Teams) -> None:
    status, body = await teams.invoke(
        ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM, "child1_name": LONE_SURROGATE}
    )

    assert status == 200
    card = body["value"]
    assert "Child 1's name has characters that cannot be stored" in texts_of(card)
    assert input_value(card, "reference") == "EHM-1001"
    assert input_value(card, "child1_name") == LONE_SURROGATE
    listing = await teams.press(ALEX, Verb.CASE_LIST, {"panel": "demo"})
    assert "EHM-1001" not in texts_of(listing)


async def test_an_answer_that_cannot_be_stored_brings_the_pack_back_as_typed(teams: Teams) -> None:
    case_id = await circulated(teams)
    meeting = action_data(teams.cards_to(ADELE)[-1], "Answer")["meeting"]

    card = await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {
            "meeting": meeting,
            "case": case_id,
            f"known.{case_id}": "known",
            f"information.{case_id}": LONE_SURROGATE,
        },
    )

    assert "What you can share has characters that cannot be stored" in texts_of(card)
    assert input_value(card, f"information.{case_id}") == LONE_SURROGATE
    assert input_value(card, f"known.{case_id}") == "known"


@pytest.mark.parametrize("typed", ["²", "1e999", "inf", "0", "61", "ten"])
async def test_a_first_taf_time_frame_that_is_not_a_number_of_days_brings_the_form_back(
    teams: Teams, typed: str
) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    teams.now(2026, 12, 8, 9, 30)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, sitting.meeting)
    case = sitting.cases[0]

    status, body = await teams.invoke(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {
            "meeting": sitting.meeting,
            "case": case,
            **outcome_inputs(teams),
            "lead": "Health",
            "taf_within": typed,
            "rationale": "Health visitor already involved.",
        },
    )

    assert status == 200
    card = body["value"]
    assert "The first TAF time frame (working days) must be a whole number from 1 to 60." in (
        texts_of(card)
    )
    assert input_value(card, "rationale") == "Health visitor already involved."
    assert input_value(card, "lead") == "Health"


async def test_other_business_that_cannot_be_stored_comes_back_in_the_console(
    teams: Teams,
) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    teams.now(2026, 12, 8, 9, 30)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})

    card = await teams.press(
        MEGAN, Verb.PANEL_AOB, {"meeting": sitting.meeting, "aob_text": LONE_SURROGATE}
    )

    assert "Any other business has characters that cannot be stored" in texts_of(card)
    assert input_value(card, "aob_text") == LONE_SURROGATE
