"""The delivery worker: what Teams answers decides whether a send is retried, when, or given
up and shown to business support; nothing is lost or sent twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import STORE
from bot.delivery import backoff
from storage import schema
from storage.outbox import Outbox
from tests.bot.teams import ALEX, ISAIAH, Teams, personal, texts_of
from tests.bot.test_week_over_http import circulated


async def outbox_rows(teams: Teams) -> list[object]:
    async with teams.app[STORE].engine.connect() as conn:
        return list((await conn.execute(select(schema.outbox))).all())


async def test_a_429_is_retried_after_the_time_teams_asks_for(teams: Teams) -> None:
    await circulated(teams, (429, {"Retry-After": "30"}))
    missing_before = [r for r in await outbox_rows(teams) if r.sent_at is None]  # type: ignore[attr-defined]
    teams.clock.advance(timedelta(seconds=31))
    await teams.deliver()
    missing_after = [r for r in await outbox_rows(teams) if r.sent_at is None]  # type: ignore[attr-defined]

    assert len(missing_before) == 1
    assert missing_before[0].last_error.startswith("Teams answered 429")  # type: ignore[attr-defined]
    assert missing_after == []
    keys = [s.activity.get("summary") for s in teams.connector.sent]
    assert len(keys) == len(
        set(zip(keys, [s.conversation_id for s in teams.connector.sent], strict=True))
    )


async def test_a_403_is_given_up_at_once_and_listed_for_business_support(teams: Teams) -> None:
    await circulated(teams, (403, {}))

    failed = await Outbox(teams.app[STORE]).failed()
    assert len(failed) == 1
    assert failed[0].last_error == "gave up: Teams answered 403"


async def test_a_502_is_retried_with_backoff_and_then_delivered(teams: Teams) -> None:
    await circulated(teams, (502, {}), (503, {}))
    for _ in range(3):
        teams.clock.advance(timedelta(minutes=1))
        await teams.deliver()

    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]


def test_backoff_grows_with_each_attempt_and_is_jittered_and_capped() -> None:
    first, fifth, late = backoff(0), backoff(4), backoff(20)

    assert timedelta(seconds=1.6) <= first <= timedelta(seconds=2.4)
    assert timedelta(seconds=25.6) <= fifth <= timedelta(seconds=38.4)
    assert late <= timedelta(seconds=720)
    assert backoff(3, timedelta(seconds=7)) == timedelta(seconds=7)


async def test_an_ambiguous_answer_is_retried_rather_than_dropped(teams: Teams) -> None:
    await circulated(teams, (200, {}))

    rows = await outbox_rows(teams)
    unsent = [r for r in rows if r.sent_at is None]  # type: ignore[attr-defined]
    teams.clock.advance(timedelta(minutes=1))
    await teams.deliver()

    assert len(unsent) == 1
    assert unsent[0].last_error == "DeserializationError"  # type: ignore[attr-defined]
    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]


async def test_business_support_sees_what_was_not_delivered_and_why(teams: Teams) -> None:
    await circulated(teams, (403, {}))

    await teams.say(ALEX, "undelivered")
    await teams.say(ISAIAH, "undelivered")

    staff = texts_of(teams.connector.to(personal(ALEX))[-1].cards[0])
    member = texts_of(teams.connector.to(personal(ISAIAH))[-1].cards[0])
    assert "Not delivered; please reach these people another way" in staff
    assert "(1 attempt(s)): gave up: Teams answered 403" in staff
    assert "Only the chair or business support" in member
