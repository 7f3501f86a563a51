"""Nothing queued outlives its reason (docs/safeguards.md §11): a message waiting for someone
the bot cannot reach yet is dropped, never sent, once its sitting has moved on, and a pack waiting
for them leaves out a case withdrawn meanwhile."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import STORE
from cards.verbs import Verb
from storage import schema
from tests.bot.teams import ADELE, ALEX, CHANNEL, ISAIAH, MEGAN, PATTI, Teams, texts_of
from tests.bot.test_panel_day_over_http import sign_in
from tests.bot.test_week_over_http import action_data, list_family
from tests.panel.world import CANARY_CHILD

OTHER_CHILD = "Robin Second-Canary"


async def circulated_while_patti_is_unreachable(teams: Teams) -> tuple[str, str, str]:
    """Two families circulated; the bot is not yet in the team, so Patti (no 1:1 chat yet)
    and the channel cannot be reached: their messages wait in the outbox. The day before the
    panel, so they are still waiting (not given up, a day on) when it sits."""
    teams.now(2026, 12, 7, 12, 0)
    for person in (ALEX, MEGAN, ADELE, ISAIAH):
        await teams.say(person, "hello")
    first = await list_family(teams, reference="EHM-4001")
    second = await list_family(teams, reference="EHM-4002", child1_name=OTHER_CHILD)
    frozen = await teams.press(ALEX, Verb.AGENDA_FREEZE, {"panel": "demo"})
    await teams.press(ALEX, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now"))
    await teams.deliver()
    assert teams.cards_to(PATTI) == []
    return str(action_data(frozen, "Circulate now")["meeting"]), first, second


async def outbox_rows(teams: Teams) -> list[tuple[str, str | None, bool]]:
    """(key, last error, cancelled) of every message."""
    t = schema.outbox
    async with teams.app[STORE].engine.connect() as conn:
        rows = await conn.execute(select(t.c.idempotency_key, t.c.last_error, t.c.cancelled_at))
    return [(r.idempotency_key, r.last_error, r.cancelled_at is not None) for r in rows]


async def reachable_again(teams: Teams) -> None:
    await teams.install_in_team()
    teams.clock.advance(timedelta(minutes=11))
    await teams.deliver()


async def test_a_waiting_pack_leaves_out_a_case_withdrawn_meanwhile(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    _, _, second = await circulated_while_patti_is_unreachable(teams)
    await teams.press(
        ALEX, Verb.CASE_WITHDRAW, {"panel": "demo", "case": second, f"reason.{second}": "Moved"}
    )

    await reachable_again(teams)

    packs = [c for c in teams.cards_to(PATTI) if "EHM-4001" in texts_of(c)]
    assert len(packs) == 1
    assert CANARY_CHILD in texts_of(packs[0])
    assert OTHER_CHILD not in str(teams.cards_to(PATTI))
    assert "EHM-4002" not in str(teams.cards_to(PATTI))


async def test_a_pack_whose_only_case_was_withdrawn_is_dropped_not_sent(teams: Teams) -> None:
    _, first, second = await circulated_while_patti_is_unreachable(teams)
    for case in (first, second):
        await teams.press(
            ALEX, Verb.CASE_WITHDRAW, {"panel": "demo", "case": case, f"reason.{case}": "Moved"}
        )

    await reachable_again(teams)

    assert teams.cards_to(PATTI) == []
    dropped = {k: e for k, e, cancelled in await outbox_rows(teams) if cancelled}
    pack = next(e for k, e in dropped.items() if k.startswith("circulation:") and PATTI in k)
    assert (pack or "").startswith("cancelled: ")


async def test_messages_waiting_when_the_panel_closes_are_dropped_not_sent(teams: Teams) -> None:
    meeting, _, _ = await circulated_while_patti_is_unreachable(teams)
    teams.now(2026, 12, 8, 9, 30)
    await teams.press(MEGAN, Verb.PANEL_START, {"panel": "demo", "confirm": "yes"})
    for person in (ALEX, ADELE, ISAIAH):
        await sign_in(teams, person, meeting)
    await teams.deliver()
    await teams.press(MEGAN, Verb.PANEL_CLOSE, {"meeting": meeting, "confirm": "yes"})
    await teams.deliver()

    await reachable_again(teams)

    # No pack, no sign-in request after the close: only the minutes, which go to every member.
    assert [c for c in teams.cards_to(PATTI) if "Minutes:" not in texts_of(c)] == []
    channel = [texts_of(c) for s in teams.connector.to(CHANNEL) for c in s.cards]
    assert not any("has started" in text or "has been sent" in text for text in channel)
    reasons = {key.split(":")[0]: error for key, error, cancelled in await outbox_rows(teams)}
    assert reasons["circulation"] == "cancelled: the sitting has moved on (it is closed)"
    assert reasons["sign-in"] == "cancelled: the sitting has moved on (it is closed)"
    assert reasons["panel-started"] == "cancelled: the sitting has moved on (it is closed)"
