"""One seat per agency at a sitting: a deputy cannot sign in beside their principal (or the
other way round), so case cards and ballots go to one person per agency."""

from __future__ import annotations

from cards.verbs import Verb
from tests.bot.teams import ADELE, ALEX, ISAIAH, LYNNE, MEGAN, PATTI, Card, Teams, texts_of
from tests.bot.test_panel_day_over_http import prepare, sign_in
from tests.card_nodes import nodes


def is_case_card(card: Card) -> bool:
    return any(n.get("verb") == Verb.CONFLICT_DECLARE for n in nodes(card))


async def test_a_deputy_is_told_who_already_sits_for_the_agency(teams: Teams) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    teams.now(2026, 12, 8, 9, 30)
    await teams.say(MEGAN, "start panel")
    for person in (ALEX, ADELE, ISAIAH, PATTI):
        await sign_in(teams, person, sitting.meeting)

    refused = await sign_in(teams, LYNNE, sitting.meeting, "deputy")
    await teams.press(MEGAN, Verb.CASE_OPEN, {"meeting": sitting.meeting, "case": sitting.cases[0]})
    await teams.deliver()

    assert "Patti Fernandez already sits for Police at this panel" in texts_of(refused)
    assert [c for c in teams.cards_to(LYNNE) if is_case_card(c)] == []
    assert len([c for c in teams.cards_to(PATTI) if is_case_card(c)]) == 1


async def test_after_apologies_the_deputy_may_sit(teams: Teams) -> None:
    teams.preset = "barnet"  # type: ignore[attr-defined]
    sitting = await prepare(teams, families=1)
    teams.now(2026, 12, 8, 9, 30)
    await teams.say(MEGAN, "start panel")
    await sign_in(teams, PATTI, sitting.meeting, "apologies")

    signed = await sign_in(teams, LYNNE, sitting.meeting, "deputy")

    assert "You are signed in as deputy for Police." in texts_of(signed)
