"""A case withdrawn after circulation (the family withdrew consent) disappears from that moment
from every pack, agenda, console and case card; any action on it is refused plainly and
audited (docs/safeguards.md §1, §11)."""

from __future__ import annotations

from dataclasses import dataclass

from cards.verbs import Verb
from tests.bot.teams import ADELE, ALEX, ISAIAH, LYNNE, MEGAN, PATTI, Teams, personal, texts_of
from tests.bot.test_panel_day_over_http import refusals, sign_in
from tests.bot.test_week_over_http import action_data, list_family

WITHDRAWN_CHILD = "Wren Withdrawn-Canary"


@dataclass
class Week:
    meeting: str
    kept: str
    withdrawn: str


async def circulated_then_withdrawn(teams: Teams) -> Week:
    for person in (ALEX, MEGAN, ADELE, ISAIAH, PATTI, LYNNE):
        await teams.say(person, "hello")
    await teams.install_in_team()
    kept = await list_family(teams, reference="EHM-2001")
    withdrawn = await list_family(teams, reference="EHM-2002", child1_name=WITHDRAWN_CHILD)
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    meeting = str(action_data(frozen, "Circulate now")["meeting"])
    await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()
    assert any(WITHDRAWN_CHILD in texts_of(c) for c in teams.cards_to(ADELE))

    done = await teams.press(
        ALEX,
        Verb.CASE_WITHDRAW,
        {"panel": "demo", "case": withdrawn, f"reason.{withdrawn}": "Consent withdrawn"},
    )
    assert "Case withdrawn: EHM-2002." in texts_of(done)
    return Week(meeting, kept, withdrawn)


async def test_a_withdrawn_case_leaves_the_members_pack_and_the_agenda(teams: Teams) -> None:
    week = await circulated_then_withdrawn(teams)

    pack = texts_of(await teams.press(ADELE, Verb.PACK_OPEN, {"meeting": week.meeting}))
    agenda = texts_of(await teams.press(ALEX, Verb.AGENDA_VIEW, {"panel": "demo"}))
    grid = texts_of(await teams.press(ALEX, Verb.READINESS_VIEW, {"panel": "demo"}))

    assert "EHM-2001" in pack
    for seen in (pack, agenda, grid):
        assert "EHM-2002" not in seen
        assert WITHDRAWN_CHILD not in seen


async def test_an_answer_on_a_withdrawn_case_is_refused_plainly_and_audited(teams: Teams) -> None:
    week = await circulated_then_withdrawn(teams)
    case = week.withdrawn

    card = await teams.press(
        ADELE,
        Verb.INFOCHECK_RECORD,
        {"meeting": week.meeting, "case": case, f"known.{case}": "known"},
    )

    assert "not on this panel's agenda" in texts_of(card)
    assert WITHDRAWN_CHILD not in texts_of(card)
    assert ("infocheck.record", "NotFound") in await refusals(teams)


async def test_at_panel_a_withdrawn_case_cannot_be_opened_and_the_panel_still_closes(
    teams: Teams,
) -> None:
    week = await circulated_then_withdrawn(teams)
    teams.now(2026, 12, 8, 9, 30)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, week.meeting)
    await teams.deliver()
    sent_before = len(teams.connector.sent)

    console = await teams.press(MEGAN, Verb.PANEL_CONSOLE, {"meeting": week.meeting})
    opened = await teams.press(
        MEGAN, Verb.CASE_OPEN, {"meeting": week.meeting, "case": week.withdrawn}
    )
    vote = await teams.press(
        MEGAN, Verb.VOTE_OPEN, {"meeting": week.meeting, "case": week.withdrawn}
    )
    await teams.deliver()
    closed = await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": week.meeting, "confirm": "yes"})
    await teams.deliver()

    assert "EHM-2001" in texts_of(console)
    assert "EHM-2002" not in texts_of(console)
    assert "not on this panel's agenda" in texts_of(opened)
    assert "not on this panel's agenda" in texts_of(vote)
    assert ("case.open", "NotFound") in await refusals(teams)
    assert ("vote.open", "NotFound") in await refusals(teams)
    assert "Panel closed" in texts_of(closed)
    after = teams.connector.sent[sent_before:]
    assert after, "the minutes went nowhere: the test would prove nothing"
    assert all(WITHDRAWN_CHILD not in str(s.activity) for s in after)
    assert all("EHM-2002" not in str(s.activity) for s in after)
    assert any("Minutes" in texts_of(c) for c in teams.cards_to(ADELE))
    assert teams.connector.to(personal(MEGAN))


async def test_the_case_list_offers_to_withdraw_a_circulated_case_and_names_it_after(
    teams: Teams,
) -> None:
    for person in (ALEX, ADELE):
        await teams.say(person, "hello")
    case = await list_family(teams, reference="EHM-2003")
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))

    listing = await teams.press(ALEX, Verb.CASE_LIST, {"panel": "demo"})
    asked = await teams.press(ALEX, Verb.CASE_WITHDRAW, action_data(listing, "Withdraw"))
    button = action_data(asked, "Withdraw EHM-2003")
    unexplained = await teams.press(ALEX, Verb.CASE_WITHDRAW, {**button, f"reason.{case}": " "})
    done = await teams.press(
        ALEX, Verb.CASE_WITHDRAW, {**button, f"reason.{case}": "The family moved away"}
    )

    assert "circulated to members" in texts_of(listing)
    assert "Withdraw EHM-2003?" in texts_of(asked)
    assert "It comes off every agenda" in texts_of(asked)
    assert button["case"] == case
    assert "Say why the case is withdrawn" in texts_of(unexplained)
    assert "Nothing was withdrawn." in texts_of(unexplained)
    assert "Case withdrawn: EHM-2003." in texts_of(done)
