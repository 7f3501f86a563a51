"""Only a conversation that positively says it is personal is a 1:1 chat (docs/safeguards.md §1,
§11): an activity without `conversation.conversationType` is treated as shared, never
replaces a person's stored 1:1 chat, and a proactive 1:1 send goes only to a stored
conversation that is personal."""

from __future__ import annotations

from sqlalchemy import insert

from app import STORE
from bot.panel_bot import PRIVATE_ONLY
from cards.verbs import Verb
from storage import schema
from tests.bot.teams import CHANNEL, MEGAN, PATTI, TEAM, TENANT, Teams, texts_of
from tests.bot.test_week_over_http import circulated, list_family
from tests.panel.world import CANARY_CHILD

UNSAID = {"conversation": CHANNEL, "conversation_type": None, "team": TEAM}


async def test_a_message_that_does_not_say_its_conversation_type_gets_numbers_only(
    teams: Teams,
) -> None:
    await list_family(teams)

    await teams.say(MEGAN, "agenda", **UNSAID)
    await teams.say(MEGAN, "cases", **UNSAID)
    status, body = await teams.invoke(MEGAN, Verb.CASE_LIST, {"panel": "demo"}, **UNSAID)

    replies = teams.connector.to(CHANNEL)
    assert "1 case on the agenda so far" in texts_of(replies[0].cards[0])
    assert "EHM-1001" not in str(replies[0].activity)
    assert replies[1].activity["text"] == PRIVATE_ONLY
    assert status == 200
    assert PRIVATE_ONLY in texts_of(body["value"])


async def test_such_a_message_does_not_become_the_members_one_to_one_chat(teams: Teams) -> None:
    # Patti has no 1:1 chat with the bot yet; circulated() does not greet for her.
    await teams.say(PATTI, "help", **UNSAID)

    await circulated(teams)

    assert all(CANARY_CHILD not in str(s.activity) for s in teams.connector.to(CHANNEL))
    assert any(CANARY_CHILD in texts_of(c) for c in teams.cards_to(PATTI))


async def test_a_stored_chat_that_is_not_personal_is_never_sent_case_detail(teams: Teams) -> None:
    # A reference an older version stored from a channel activity that did not say its type.
    async with teams.app[STORE].engine.begin() as conn:
        await conn.execute(
            insert(schema.conversation_references).values(
                tenant_id=TENANT,
                person_id=PATTI,
                reference={
                    "conversation": {"id": CHANNEL},
                    "serviceUrl": teams.connector.url,
                    "channelId": "msteams",
                    "bot": {"id": "28:bot"},
                },
                updated_at=teams.clock.now(),
            )
        )

    await circulated(teams)

    assert all(CANARY_CHILD not in str(s.activity) for s in teams.connector.to(CHANNEL))
    # Reached instead through a 1:1 chat opened from the team roster.
    assert any(CANARY_CHILD in texts_of(c) for c in teams.cards_to(PATTI))
