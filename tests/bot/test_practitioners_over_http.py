"""A named practitioner and their manager over HTTP, as Teams sends them (issue 16): the lead
agency names a practitioner, who gets the allocation and acts from `my tasks`; their manager
gets the overdue card and is refused nothing it offers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app import DEPS
from cards.verbs import Verb
from panel.usecases.follow_up import run_follow_up
from tests.bot.conftest import START
from tests.bot.teams import ADELE, ALEX, ISAIAH, MEGAN, Teams, personal, teams_bot, texts_of
from tests.bot.test_panel_day_over_http import config_for, outcome_inputs, prepare, sign_in
from tests.bot.test_week_over_http import action_data, audit_rows

PAT = "00000000-0000-0000-0000-000000000031"  # a Health practitioner
MORGAN = "00000000-0000-0000-0000-000000000032"  # Health's team manager


def with_practitioner_and_manager() -> dict[str, Any]:
    config = config_for("barnet")
    config["people"] += [
        {
            "name": "Morgan Manager",
            "email": "morgan@health.example",
            "aad_object_id": MORGAN,
            "agency": "Health",
            "roles": {"demo": ["manager"]},
        },
        {
            "name": "Pat Practitioner",
            "email": "pat@health.example",
            "aad_object_id": PAT,
            "agency": "Health",
            "manager": "Morgan Manager",
            "caseload": "lead-professional",
            "roles": {"demo": ["practitioner"]},
        },
    ]
    return config


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    path = tmp_path / "panels.yaml"
    path.write_text(yaml.safe_dump(with_practitioner_and_manager()), encoding="utf-8")
    async with teams_bot(tmp_path, START, panel_config=str(path)) as bot:
        bot.preset = "barnet"  # type: ignore[attr-defined]
        yield bot


async def test_a_named_practitioner_acts_from_my_tasks_and_their_manager_from_the_overdue_card(
    teams: Teams,
) -> None:
    for person in (PAT, MORGAN):
        await teams.say(person, "hello")
    sitting = await prepare(teams, families=1)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, sitting.meeting)
    await teams.press(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {"meeting": sitting.meeting, "case": sitting.cases[0], **outcome_inputs(teams)}
        | {"lead": "Health"},
    )
    await teams.deliver()

    # Health's member names Pat from the allocation card; Pat gets the case and its dates.
    allocation = next(c for c in teams.cards_to(ADELE) if "New allocation" in texts_of(c))
    assert "Pat Practitioner (Health)" in texts_of(allocation)
    await teams.press(
        ADELE,
        Verb.LEAD_NAME,
        {**action_data(allocation, "Name the lead practitioner"), "practitioner": PAT},
    )
    await teams.deliver()
    assert any("You lead case EHM-300 for Health" in texts_of(c) for c in teams.cards_to(PAT))

    # Pat's desk: every open milestone, each opening its card.
    await teams.say(PAT, "my tasks")
    desk = teams.connector.to(personal(PAT))[-1].cards[0]
    assert "EHM-300 · Contact the family · due Thursday 10 December 2026" in texts_of(desk)
    card = await teams.press(PAT, Verb.MILESTONE_VIEW, action_data(desk, "Open"))
    done = await teams.press(
        PAT, Verb.MILESTONE_DONE, {**action_data(card, "Mark done"), "done_on": "2026-12-01"}
    )
    assert "Marked done on 01 December 2026." in texts_of(done)

    # The home visit (7 working days: Thursday 17 December) goes overdue: Morgan hears, with
    # the agency and the practitioner named, and may press everything the card offers.
    teams.now(2026, 12, 18, 7, 30)
    await run_follow_up(teams.app[DEPS], "demo")
    await teams.deliver()
    overdue = next(c for c in teams.cards_to(MORGAN) if "Overdue: EHM-300" in texts_of(c))
    assert "Overdue for Health (Pat Practitioner)." in texts_of(overdue)
    assert "Arrange a home visit: due Thursday 17 December 2026." in texts_of(overdue)
    presses = [
        (Verb.CASE_STEP_UP, "Step up now", {"concern": "A new injury was reported."}),
        (Verb.MILESTONE_DONE, "Mark done", {"done_on": "2026-12-18"}),
        (Verb.CASE_STUCK, "Stuck: back to panel", {"reason": "The family will not engage."}),
        (
            Verb.CASE_CLOSE,
            "Close the case",
            {"close_reason": "The family moved away", "close_check1": "true"}
            | {"close_check2": "true"},
        ),
    ]
    offered = {a["title"] for a in _actions(overdue)}
    assert {title for _, title, _ in presses} <= offered
    for verb, title, inputs in presses:
        answer = await teams.press(MORGAN, verb, {**action_data(overdue, title), **inputs})
        assert "Only the" not in texts_of(answer), title
    refused = [r for r in await audit_rows(teams) if r.actor == MORGAN and not r.allowed]
    assert refused == []


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button on the card, those inside a question (Action.ShowCard) too."""
    found: list[dict[str, Any]] = []
    for action in card.get("actions", []):
        if action["type"] == "Action.ShowCard":
            found += _actions(action["card"])
        else:
            found.append(action)
    return found
