"""The delivery worker: what Teams answers decides whether a send is retried, when, or given
up and shown to business support; nothing is lost or sent twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import SCHEDULER, STORE
from bot.failures import backoff
from bot.graph import marker_of
from storage import schema
from storage.outbox import Outbox
from tests.bot.conftest import START
from tests.bot.teams import ADELE, ALEX, ISAIAH, MEGAN, Sent, Teams, personal, teams_bot, texts_of
from tests.bot.test_week_over_http import circulated, list_family
from tests.panel.world import CANARY_CHILD

CARD = "application/vnd.microsoft.card.adaptive"


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
    assert missing_before[0].last_error.startswith("Teams is limiting how fast the bot sends")  # type: ignore[attr-defined]
    assert missing_after == []
    keys = [s.activity.get("summary") for s in teams.connector.sent]
    assert len(keys) == len(
        set(zip(keys, [s.conversation_id for s in teams.connector.sent], strict=True))
    )


async def test_a_403_is_given_up_at_once_and_listed_for_business_support(teams: Teams) -> None:
    await circulated(teams, (403, {}))

    failed = await Outbox(teams.app[STORE]).failed()
    assert len(failed) == 1
    assert failed[0].last_error == (
        "gave up: Teams refused: the app is not installed for this person, or they have "
        "blocked it (Teams answered 403)"
    )


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
    assert unsent[0].last_error == "the connection to Teams failed (DeserializationError)"  # type: ignore[attr-defined]
    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]


async def test_business_support_sees_what_was_not_delivered_and_why(teams: Teams) -> None:
    await circulated(teams, (403, {}))

    await teams.say(ALEX, "undelivered")
    await teams.say(ISAIAH, "undelivered")

    staff = texts_of(teams.connector.to(personal(ALEX))[-1].cards[0])
    member = texts_of(teams.connector.to(personal(ISAIAH))[-1].cards[0])
    assert "Messages not delivered" in staff
    assert "the case list: not delivered, no more tries: Teams refused: the app is not " in staff
    assert "Please reach them another way" in staff
    assert "Only the chair or business support" in member


# -- A send whose outcome is unknown is looked for before it is sent again (bot/graph.py) ------


@pytest.fixture
async def teams_with_graph(tmp_path: Path) -> AsyncIterator[Teams]:
    async with teams_bot(tmp_path, START, graph=True) as bot:
        yield bot


def copies(teams: Teams, marker: str) -> int:
    """How many cards with this outbox marker reached any conversation."""
    return sum(card.get("id") == marker for s in teams.connector.sent for card in s.cards)


async def the_unknown_one(teams: Teams) -> Any:
    rows = [r for r in await outbox_rows(teams) if r.sent_at is None]  # type: ignore[attr-defined]
    assert len(rows) == 1
    return rows[0]


async def test_a_502_after_the_message_arrived_is_found_in_the_chat_and_not_sent_again(
    teams_with_graph: Teams,
) -> None:
    teams = teams_with_graph
    await circulated(teams, (1502, {}))  # it arrives, and then Teams answers 502
    unknown = await the_unknown_one(teams)
    marker = marker_of(unknown.id)
    sends_before = len(teams.connector.sent)
    teams.clock.advance(timedelta(seconds=31))
    await teams.deliver()

    assert unknown.recipient.startswith("person:")
    assert unknown.unconfirmed_since is not None
    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]
    assert len(teams.connector.sent) == sends_before
    assert copies(teams, marker) == 1
    assert teams.graph is not None
    [lookup] = [r for r in teams.graph.requests if r.startswith("/v1.0/chats/")]
    assert "$orderby=lastModifiedDateTime%20desc" in lookup
    assert "$filter=lastModifiedDateTime%20gt%202026-12-02T13:55:00Z" in lookup  # 14:00 - 5 min


async def test_a_502_before_the_message_arrived_is_looked_for_and_then_sent_once(
    teams_with_graph: Teams,
) -> None:
    teams = teams_with_graph
    await circulated(teams, (502, {}))
    marker = marker_of((await the_unknown_one(teams)).id)
    teams.clock.advance(timedelta(seconds=31))
    await teams.deliver()

    assert copies(teams, marker) == 1
    assert teams.graph is not None
    assert any("/messages" in r for r in teams.graph.requests)


async def test_an_unknown_outcome_is_looked_for_only_after_teams_has_had_time_to_show_it(
    teams_with_graph: Teams,
) -> None:
    teams = teams_with_graph
    await circulated(teams, (1504, {}))
    unknown = await the_unknown_one(teams)
    teams.clock.advance(timedelta(seconds=5))  # the usual first backoff, but too soon
    await teams.deliver()

    assert (await the_unknown_one(teams)).id == unknown.id
    assert teams.graph is not None
    assert teams.graph.requests == []


async def test_when_graph_cannot_tell_the_message_is_sent_again_rather_than_lost(
    teams_with_graph: Teams,
) -> None:
    teams = teams_with_graph
    assert teams.graph is not None
    teams.graph.refuse = 403  # e.g. the tenant's admin has not granted the permission
    await circulated(teams, (1502, {}))
    marker = marker_of((await the_unknown_one(teams)).id)
    teams.clock.advance(timedelta(seconds=31))
    await teams.deliver()

    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]
    assert copies(teams, marker) == 2


async def test_a_message_a_dead_worker_was_sending_is_looked_for_by_the_one_taking_over(
    teams_with_graph: Teams,
) -> None:
    teams = teams_with_graph
    await circulated(teams)
    outbox = Outbox(teams.app[STORE])
    now = teams.clock.now()
    await outbox.enqueue(
        "test:dead-worker",
        f"person:{ISAIAH}",
        "outcome",
        {"text": "Hi", "data": {"case_id": "c1"}},
        now,
    )
    [claimed] = await outbox.claim("dead-worker", now, 1, timedelta(seconds=60))
    assert await outbox.begin(claimed.id, "dead-worker", now)
    # It reached Teams; the worker died before recording that.
    marker = marker_of(claimed.id)
    activity = {"attachments": [{"contentType": CARD, "content": {"id": marker}}]}
    teams.connector.sent.append(Sent(personal(ISAIAH), activity, now))
    teams.clock.advance(timedelta(seconds=61))
    await teams.deliver()

    assert copies(teams, marker) == 1
    assert [r for r in await outbox_rows(teams) if r.sent_at is None] == []  # type: ignore[attr-defined]


async def test_a_lost_lease_stops_a_worker_from_sending_what_another_now_holds(
    teams: Teams,
) -> None:
    outbox = Outbox(teams.app[STORE])
    now = teams.clock.now()
    await outbox.enqueue(
        "test:slow-worker",
        f"person:{ISAIAH}",
        "outcome",
        {"text": "Hi", "data": {"case_id": "c1"}},
        now,
    )
    [claimed] = await outbox.claim("slow-worker", now, 1, timedelta(seconds=60))
    later = now + timedelta(seconds=61)
    [taken] = await outbox.claim("other-worker", later, 1, timedelta(seconds=60))

    assert taken.id == claimed.id
    assert not await outbox.begin(claimed.id, "slow-worker", later)
    assert await outbox.begin(taken.id, "other-worker", later)


async def test_business_support_are_told_of_a_message_given_up_on_without_asking_and_once(
    teams: Teams,
) -> None:
    await circulated(teams, (403, {}))
    before = len(teams.connector.to(personal(ALEX)))

    await teams.app[SCHEDULER].run_now("undelivered")
    await teams.deliver()
    await teams.app[SCHEDULER].run_now("undelivered")  # the next hour: nothing new
    await teams.deliver()

    told = teams.connector.to(personal(ALEX))[before:]
    assert len(told) == 1
    text = texts_of(told[0].cards[0])
    assert "Not delivered; please reach these people another way" in text
    assert "the case list: Teams refused: the app is not installed for this person" in text
    assert "(given up after 1 attempt)" in text
    assert CANARY_CHILD not in text
    assert await Outbox(teams.app[STORE]).unreported() == []


async def test_nothing_given_up_means_nothing_is_sent_to_business_support(teams: Teams) -> None:
    await circulated(teams)
    sent = len(teams.connector.sent)

    await teams.app[SCHEDULER].run_now("undelivered")
    await teams.deliver()

    assert len(teams.connector.sent) == sent


def test_the_undelivered_sweep_runs_hourly_in_working_hours_and_never_in_the_quiet_hours(
    teams: Teams,
) -> None:
    trigger = teams.app[SCHEDULER]._scheduler.get_job("undelivered").trigger

    fields = {f.name: str(f) for f in trigger.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon-fri", "8-18", "5")


# -- Throttling never loses a message; one slow conversation holds back only itself ----------


async def test_a_long_burst_of_429s_is_waited_out_and_the_card_still_arrives(teams: Teams) -> None:
    await teams.say(ISAIAH, "hello")
    outbox = Outbox(teams.app[STORE])
    await outbox.enqueue(
        "ballot:r1",
        f"person:{ISAIAH}",
        "outcome",
        {"text": "Vote", "data": {"case_id": "c1"}},
        START,
    )
    teams.connector.failures = [(429, {"Retry-After": "1"})] * 14  # Teams busy for 14 s
    for _ in range(16):
        await teams.deliver()
        teams.clock.advance(timedelta(seconds=1))

    [row] = await outbox_rows(teams)
    assert row.sent_at is not None  # type: ignore[attr-defined]
    assert row.attempts == 14  # type: ignore[attr-defined]
    assert await outbox.failed() == []


async def test_a_message_that_keeps_failing_is_given_up_a_day_after_it_was_queued(
    teams: Teams,
) -> None:
    await circulated(teams, *[(503, {})] * 200)
    for _ in range(5):  # six-hourly: one attempt each
        teams.clock.advance(timedelta(hours=6, minutes=1))
        await teams.deliver()

    failed = await Outbox(teams.app[STORE]).failed()
    assert failed, "nothing was given up: the test would prove nothing"
    assert {(f.last_error, f.attempts) for f in failed} == {
        ("gave up: Teams had a problem at its end (Teams answered 503)", 5)
    }


async def test_one_slow_conversation_does_not_hold_back_the_others(teams: Teams) -> None:
    teams.connector.slow[personal(ADELE)] = 4.0
    case_id = await list_family(teams)
    for person in (ADELE, ISAIAH, MEGAN):
        await teams.say(person, "hello")
    await teams.install_in_team()
    teams.now(2026, 12, 2, 14, 0)
    await teams.app[SCHEDULER].run("demo")

    started = time.monotonic()
    delivering = asyncio.create_task(teams.deliver())
    while not any(case_id in str(c) for c in teams.cards_to(ISAIAH)):
        await asyncio.sleep(0.05)
        assert time.monotonic() - started < 2.5, "Isaiah's pack waited for Adele's"
    assert not any(case_id in str(c) for c in teams.cards_to(ADELE))
    await delivering

    assert any(case_id in str(c) for c in teams.cards_to(ADELE))


async def test_a_send_with_no_answer_in_time_is_retried_after_looking(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivery.SEND_TIMEOUT", 1.0)
    teams.connector.slow[personal(ISAIAH)] = 3.0
    await circulated(teams)

    [late] = [
        r
        for r in await outbox_rows(teams)
        if r.sent_at is None and r.recipient == f"person:{ISAIAH}"  # type: ignore[attr-defined]
    ]
    assert late.last_error == "Teams did not answer in time"  # type: ignore[attr-defined]
    assert late.unconfirmed_since is not None  # type: ignore[attr-defined]


async def test_messages_to_one_person_keep_their_order(teams: Teams) -> None:
    teams.connector.slow[personal(ISAIAH)] = 0.2
    await teams.say(ISAIAH, "hello")
    outbox = Outbox(teams.app[STORE])
    for n in range(5):
        await outbox.enqueue(
            f"order:{n}",
            f"person:{ISAIAH}",
            "outcome",
            {"text": f"n{n}", "data": {"case_id": "c1"}},
            START,
        )

    await teams.deliver()

    summaries = [s.activity.get("summary") for s in teams.connector.to(personal(ISAIAH))]
    assert [s for s in summaries if s and s.startswith("n")] == ["n0", "n1", "n2", "n3", "n4"]
