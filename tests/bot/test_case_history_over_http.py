"""A case's history by its reference, over HTTP as Teams sends it (issue 17, item 5)."""

from __future__ import annotations

from bot.panel_bot import PRIVATE_ONLY
from cards.verbs import Verb
from tests.bot.teams import ADELE, ALEX, CHANNEL, MEGAN, TEAM, Teams, personal, texts_of
from tests.bot.test_follow_up_over_http import allocated_to_health
from tests.bot.test_week_over_http import audit_rows
from tests.panel.world import CANARY_CHILD


def last_card(teams: Teams, person: str) -> str:
    return texts_of(teams.connector.to(personal(person))[-1].cards[0])


async def test_business_support_finds_a_case_by_reference_and_reads_its_history(
    teams: Teams,
) -> None:
    await allocated_to_health(teams)

    await teams.say(ALEX, "find EHM-300")

    found = last_card(teams, ALEX)
    assert "Case EHM-300: Demo Early Help Panel (Barnet rules)" in found
    assert "Now: decided, its follow-up tracked." in found
    assert "Lead: Health." in found
    assert "Alex Wilber recorded the referral." in found
    assert "Alex Wilber screened it." in found
    assert "saw it on the list of cases" not in found  # looking is audited, not history
    assert "agenda: view" not in found
    assert "Isaiah Langer answered the information check for their agency." in found
    assert "Megan Bowen recorded the outcome." in found
    assert CANARY_CHILD not in found  # a history of who did what, not the family's details
    assert ("case.find", True) in [(r.action, r.allowed) for r in await audit_rows(teams)]


async def test_find_in_a_channel_is_refused_there_for_the_familys_privacy(teams: Teams) -> None:
    await allocated_to_health(teams)

    await teams.say(
        ALEX, "find EHM-300", conversation=CHANNEL, conversation_type="channel", team=TEAM
    )

    [reply] = teams.connector.to(CHANNEL)[-1:]
    assert reply.activity["text"] == PRIVATE_ONLY
    assert "EHM-300" not in str(reply.activity)


async def test_find_is_for_staff_by_reference_only_and_says_what_was_typed(teams: Teams) -> None:
    await allocated_to_health(teams)

    await teams.say(ADELE, "find EHM-300")
    assert "Only the chair and business support can find a case's history." in last_card(
        teams, ADELE
    )
    await teams.say(MEGAN, f"find {CANARY_CHILD}")
    by_name = last_card(teams, MEGAN)
    assert "cases are found by reference only, never by a name." in by_name
    await teams.say(MEGAN, "find Zebedee")  # one word without digits may be a name too
    assert "That is not a case reference." in last_card(teams, MEGAN)
    await teams.say(MEGAN, "find EHM-999")
    assert "No case with that reference on your panels: EHM-999" in last_card(teams, MEGAN)
    await teams.say(MEGAN, "find")
    form = teams.connector.to(personal(MEGAN))[-1].cards[0]
    assert "Find a case" in texts_of(form)
    answer = await teams.press(MEGAN, Verb.CASE_FIND, {"reference": "ehm-300"})
    # Typed in lower case, it is still found (the keyed hash ignores case).
    assert "Case EHM-300" in texts_of(answer)
