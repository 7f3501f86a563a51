"""Decisions as the protocols define them, over HTTP as Teams sends them (issue 15): Barnet's
combination of outcomes and its Universal Plus without a lead; Camden's checklist answered and
minuted, and its 2-2 tie escalated to Stage 3 with the family's interim service, raised, then
resolved by its owner from Teams, all in the minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from cards.verbs import Verb
from panel.presets import CAMDEN
from tests.bot.conftest import START
from tests.bot.teams import (
    ADELE,
    ALEX,
    ISAIAH,
    MEGAN,
    PATTI,
    Card,
    Teams,
    personal,
    teams_bot,
    texts_of,
)
from tests.bot.test_panel_day_over_http import config_for, prepare, sign_in, vote
from tests.bot.test_week_over_http import action_data
from tests.card_nodes import nodes


async def on(tmp_path: Path, preset: str) -> AsyncIterator[Teams]:
    path = tmp_path / "panels.yaml"
    path.write_text(yaml.safe_dump(config_for(preset)), encoding="utf-8")
    async with teams_bot(tmp_path, START, panel_config=str(path)) as bot:
        bot.preset = preset  # type: ignore[attr-defined]
        yield bot


@pytest.fixture
async def barnet(tmp_path: Path) -> AsyncIterator[Teams]:
    async for bot in on(tmp_path, "barnet"):
        yield bot


@pytest.fixture
async def camden(tmp_path: Path) -> AsyncIterator[Teams]:
    async for bot in on(tmp_path, "camden"):
        yield bot


async def sitting_with_everyone(teams: Teams, families: int) -> tuple[str, list[str]]:
    sitting = await prepare(teams, families=families)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH, PATTI):
        await sign_in(teams, person, sitting.meeting)
    return sitting.meeting, sitting.cases


def minutes_to(teams: Teams, person: str) -> str:
    return " ".join(texts_of(c) for c in teams.cards_to(person) if "Minutes:" in texts_of(c))


async def close(teams: Teams, meeting: str) -> None:
    await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": meeting, "confirm": "yes"})
    await teams.deliver()


async def test_barnet_records_a_combination_of_outcomes_and_universal_plus_without_a_lead(
    barnet: Teams,
) -> None:
    """000: the panel «will recommend one or a combination of the following»; 001 §21.2:
    Universal Plus has «no need for a Lead Professional or a TAF», and §21.4 reviews it at
    «up to 6 weeks»."""
    teams = barnet
    meeting, (first, second) = await sitting_with_everyone(teams, families=2)
    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": first})
    form = await teams.press(MEGAN, Verb.OUTCOME_FORM, {"meeting": meeting, "case": first})
    [outcome] = [n for n in nodes(form) if n.get("id") == "outcome"]
    assert outcome["isMultiSelect"] is True
    assert "Outcomes (one, or a combination)" in texts_of(form)
    # Pressed as "Record outcome (agreed)": the box saying so is ticked, and can be unticked.
    assert [n.get("value") for n in nodes(form) if n.get("id") == "agreed"] == ["true"]

    ids = {"meeting": meeting, "case": first}
    both = {**ids, "outcome": "follow-up,eha", "lead": "Health", "taf": "Health,Schools"}
    unsaid = await teams.press(MEGAN, Verb.OUTCOME_RECORD, both)
    assert "Say that the panel agreed this without a vote" in texts_of(unsaid)
    [kept] = [n for n in nodes(unsaid) if n.get("id") == "outcome"]
    assert kept["value"] == "follow-up,eha"  # what the chair chose comes back with the message

    recorded = await teams.press(
        MEGAN, Verb.OUTCOME_RECORD, {**both, "agreed": "true", "taf_within": "15"}
    )
    assert "Outcome recorded for item" in texts_of(recorded)
    assert (
        "Initiate an Early Help Assessment in a hub or in the community; and Further follow "
        "up/signposting by the Early Help Coordinator; lead Health"
    ) in texts_of(recorded)

    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": second})
    universal = await teams.press(
        MEGAN,
        Verb.OUTCOME_RECORD,
        {"meeting": meeting, "case": second, "outcome": "universal-plus", "agreed": "true"},
    )
    assert "Outcome recorded for item" in texts_of(universal)
    await teams.deliver()

    allocations = {
        person: [texts_of(c) for c in teams.cards_to(person) if "New allocation" in texts_of(c)]
        for person in (ADELE, ALEX)
    }
    [health] = allocations[ADELE]
    # The panel's 15 working days from Tuesday 8 December date the first TAF, not the rule's
    # 10 after the assessment; the Coordinator's follow up is planned with the assessment.
    assert "First TAF\nThursday 31 December 2026" in health  # past Christmas and Boxing Day
    # The Coordinator's follow up is Early Help's to do, not the lead's.
    assert "Follow up" not in health
    [coordinator] = [t for t in allocations[ALEX] if "has a follow-up step" in t]
    assert "Early Help has a follow-up step for case EHM-300" in coordinator
    assert "Follow up\nTuesday 22 December 2026" in coordinator
    # Schools is in the Team Around the Family and hears so.
    told = [texts_of(c) for c in teams.cards_to(ISAIAH)]
    assert any("Team Around the Family: Health, Schools." in t for t in told)
    [early_help] = [t for t in allocations[ALEX] if "carries the follow-up" in t]
    assert "Early Help carries the follow-up for case EHM-301" in early_help
    assert "Universal plus review" in early_help  # 6 weeks from 8 December: 19 January
    assert "Tuesday 19 January 2027" in early_help
    assert "Contact" not in early_help  # no lead, no assessment, no TAF

    await close(teams, meeting)
    minuted = minutes_to(teams, ADELE)
    assert "Agreed without a vote." in minuted
    assert "No vote: agreed" not in minuted
    assert (
        "Outcome: Initiate a Universal Plus intervention (followed up by Early Help, without a "
        "lead professional)."
    ) in minuted
    assert "Not answered." not in minuted  # Barnet's checklist is answered where it helps


async def test_camden_answers_its_checklist_for_every_case_and_the_minutes_show_it(
    camden: Teams,
) -> None:
    """002 Decision making: «Checklist for decision making:» four lines, each answered."""
    teams = camden
    meeting, (case,) = await sitting_with_everyone(teams, families=1)
    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": case})
    form = await teams.press(MEGAN, Verb.OUTCOME_FORM, {"meeting": meeting, "case": case})
    assert "Decision checklist** (answer every line)" in texts_of(form)
    lines = [n for n in nodes(form) if str(n.get("id", "")).startswith("check")]
    assert len(lines) == len(CAMDEN.checklist)
    assert all(n.get("isRequired") for n in lines)

    inputs = {
        "meeting": meeting,
        "case": case,
        "outcome": "allocate",
        "lead": "Health",
        "agreed": "true",
        "check1": "Yes",
        "rationale": "Health visitor already involved.",
    }
    refused = await teams.press(MEGAN, Verb.OUTCOME_RECORD, inputs)
    assert "answer lines 2, 3, 4." in texts_of(refused)
    assert [n.get("value") for n in nodes(refused) if n.get("id") == "check1"] == ["Yes"]

    answered = {**inputs, "check2": "Yes", "check3": "Yes", "check4": "Not applicable"}
    recorded = await teams.press(MEGAN, Verb.OUTCOME_RECORD, answered)
    assert "Outcome recorded for item 1." in texts_of(recorded)
    # Stored: the form to change it shows the answers given.
    change = await teams.press(MEGAN, Verb.OUTCOME_FORM, {"meeting": meeting, "case": case})
    assert [n.get("value") for n in nodes(change) if n.get("id") == "check4"] == ["Not applicable"]

    await close(teams, meeting)
    minuted = minutes_to(teams, ISAIAH)
    assert "Decision checklist:" in minuted
    assert f"1. {CAMDEN.checklist[0]} Yes" in minuted
    assert f"4. {CAMDEN.checklist[3]} Not applicable" in minuted


async def tie(teams: Teams, meeting: str, case: str) -> Card:
    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": meeting, "case": case})
    await teams.press(MEGAN, Verb.VOTE_OPEN, {"meeting": meeting, "case": case})
    await teams.deliver()
    for person, choice in ((ALEX, "Health"), (ADELE, "Health"), (ISAIAH, "Schools")):
        await vote(teams, person, choice)
    await vote(teams, PATTI, "Schools")  # everyone has voted: the vote closes itself
    return await teams.press(MEGAN, Verb.PANEL_CONSOLE, {"meeting": meeting})


async def test_camden_escalates_a_tie_keeps_the_family_served_and_its_owner_resolves_it(
    camden: Teams,
) -> None:
    """002: «Where agreement cannot be reached by vote, the escalation policy will be activated
    by the chair», «Stage 3 of the CSCB escalation policy», «a dispute between agencies should
    never leave the family without a service», and «escalation to the next stage only taking
    place where a satisfactory resolution cannot be found»."""
    teams = camden
    meeting, (case,) = await sitting_with_everyone(teams, families=1)
    await teams.say(MEGAN, "panel")  # the chair's console in her chat, kept current
    console_message = teams.connector.to(personal(MEGAN))[-1]
    closed = await tie(teams, meeting, case)
    assert "No majority (Health 2, Schools 2): escalated." in texts_of(closed)

    form = await teams.press(MEGAN, Verb.ESCALATION_FORM, action_data(closed, "Escalate"))
    assert (
        "It goes to Stage 3 of the CSCB escalation policy first, and to Stage 4 of the CSCB "
        "escalation policy only if that cannot resolve it."
    ) in texts_of(form)
    ids = {"meeting": meeting, "case": case, "owner": MEGAN}
    without = await teams.press(MEGAN, Verb.ESCALATION_RECORD, ids)
    assert "Say what service the family has while this is escalated" in texts_of(without)

    interim = "Family support worker keeps visiting weekly."
    escalated = await teams.press(
        MEGAN,
        Verb.ESCALATION_RECORD,
        {**ids, "interim_service": interim, "interim_agency": "Health"},
    )
    assert "Item 1 escalated: Stage 3 of the CSCB escalation policy." in texts_of(escalated)
    assert "— escalated: Stage 3 of the CSCB escalation policy; owner Megan Bowen" in texts_of(
        escalated
    )
    await teams.deliver()
    # The owner (the chair here) gets the card to act on; Health, giving the interim service,
    # and business support hear it without the buttons.
    [owned] = [c for c in teams.cards_to(MEGAN) if "Escalation: case EHM-300" in texts_of(c)]
    assert "Raise to Stage 4 of the CSCB escalation policy" in texts_of(owned)
    [told] = [c for c in teams.cards_to(ADELE) if "Escalation: case EHM-300" in texts_of(c)]
    assert interim in texts_of(told)
    assert "Record the resolution" not in texts_of(told)

    # Only the owner or a chair may act on it, whatever a card says.
    status, body = await teams.invoke(
        ADELE, Verb.ESCALATION_RESOLVE_FORM, {"panel": "demo", "case": case}
    )
    assert status == 200
    assert "Only the escalation's owner or the chair can do that." in texts_of(body["value"])

    raised = await teams.press(
        MEGAN,
        Verb.ESCALATION_RAISE,
        {"panel": "demo", "case": case, "raise_reason": "Stage 3 could not agree either."},
    )
    assert "Raised to Stage 4 of the CSCB escalation policy." in texts_of(raised)
    assert "Stage 3 could not agree either." in texts_of(raised)

    resolution = await teams.press(
        MEGAN, Verb.ESCALATION_RESOLVE_FORM, {"panel": "demo", "case": case}
    )
    assert "Resolve the escalation: case EHM-300" in texts_of(resolution)
    resolved = await teams.press(
        MEGAN,
        Verb.ESCALATION_RESOLVE,
        {
            "panel": "demo",
            "case": case,
            "outcome": "allocate",
            "lead": "Health",
            "resolution": "Heads of service agreed Health leads.",
        },
    )
    assert "Resolution recorded" in texts_of(resolved)
    await teams.deliver()
    assert any("New allocation" in texts_of(c) for c in teams.cards_to(ADELE))
    # The owner pressed it and sees the answer; no second card says the same to them.
    assert not [c for c in teams.cards_to(MEGAN) if "Resolved: Allocate" in texts_of(c)]
    # Resolved while the panel sits: the console caught up, and offers no Change (the
    # resolution is its owner's record, not the panel's to correct).
    live = teams.connector.latest(personal(MEGAN), console_message.teams_id)
    assert live is not None
    assert "Allocate to an LBC Early Help service; lead Health" in texts_of(live)
    assert "Change" not in texts_of(live)

    await close(teams, meeting)
    minuted = minutes_to(teams, ALEX)
    assert "How the lead was chosen: No majority (Health 2, Schools 2): escalated." in minuted
    assert "Then escalated (below)." in minuted
    # Escalated on the day it happened: the test's panel starts early, on Tuesday 1 December.
    assert "Escalated to: \nStage 3 of the CSCB escalation policy on Tuesday 1 December 2026" in (
        minuted
    )
    assert "then Stage 4 of the CSCB escalation policy on" in minuted
    assert interim in minuted
    assert "Resolved on" in minuted
    assert "Heads of service agreed Health leads." in minuted
    assert "Outcome: Allocate to an LBC Early Help service. Lead: Health." in minuted
    assert "No vote: agreed" not in minuted
    assert "Agreed without a vote" not in minuted


async def test_an_escalation_left_open_is_minuted_as_escalated_and_not_rolled_over(
    camden: Teams,
) -> None:
    teams = camden
    meeting, (case,) = await sitting_with_everyone(teams, families=1)
    await tie(teams, meeting, case)
    await teams.press(
        MEGAN,
        Verb.ESCALATION_RECORD,
        {"meeting": meeting, "case": case, "owner": ALEX, "interim_service": "Health visits."},
    )
    asked = await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": meeting})
    assert "Close the panel? Every item has an outcome or is escalated." in texts_of(asked)
    await close(teams, meeting)
    minuted = minutes_to(teams, MEGAN)
    assert "Outcome: to follow from the escalation's resolution." in minuted
    assert "Not reached" not in minuted
    # Alex owns it: the card to resolve it is theirs.
    [owned] = [c for c in teams.cards_to(ALEX) if "Escalation: case EHM-300" in texts_of(c)]
    assert "Record the resolution" in texts_of(owned)
    # And it waits on their desk until it is resolved.
    await teams.say(ALEX, "my tasks")
    desk = teams.connector.to(personal(ALEX))[-1].cards[0]
    assert "EHM-300 · Escalation: Stage 3 of the CSCB escalation policy, to resolve or raise" in (
        texts_of(desk)
    )
    opened = await teams.press(ALEX, Verb.ESCALATION_VIEW, action_data(desk, "Open"))
    assert "Record the resolution" in texts_of(opened)
