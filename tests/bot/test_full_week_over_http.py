"""A whole Barnet week at real scale, over HTTP as Teams would drive it: 15 families (5 per
locality) with every field at the longest the form accepts, 12 agencies. Members answer case
by case, one says "not known to us" for the rest, one never answers and is the only one
reminded; every activity the bot sends or answers with is measured against the size limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.rendering import MAX_ACTIVITY_BYTES
from cards.verbs import Verb
from panel.cases import MAX_NAME, MAX_NEEDS
from tests.bot.teams import LONDON, TENANT, Card, Teams, personal, teams_bot, texts_of
from tests.bot.test_week_over_http import action_data
from tests.card_nodes import nodes

AGENCIES = [
    "Early Help",
    "Health",
    "Schools",
    "Police",
    "Housing",
    "Adult Social Care",
    "Probation",
    "Mental Health",
    "Youth Justice",
    "Voluntary Sector",
    "Children's Centres",
    "Substance Misuse",
]
LOCALITIES = ("South", "West", "East/Central")
SUPPORT = "00000000-0000-0000-0000-000000000900"
CHAIR = "00000000-0000-0000-0000-000000000901"
MEMBERS = {agency: f"00000000-0000-0000-0000-{100 + n:012d}" for n, agency in enumerate(AGENCIES)}
BULK = MEMBERS["Housing"]  # answers one case, then "not known to us" for the rest
SILENT = MEMBERS["Substance Misuse"]  # never answers: the only one reminded
START = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)  # Monday; the panel is Tuesday 8 December


def longest(length: int, letter: str) -> str:
    # Characters JSON escapes make a card larger still; the form keeps them.
    return ('Needs "quoted" <b>\\ ' + letter * length)[:length]


def panel_config() -> dict[str, Any]:
    people: list[dict[str, Any]] = [
        {
            "name": "Bea Support",
            "email": "bea@example.com",
            "aad_object_id": SUPPORT,
            "roles": {"week": ["business-support"]},
        },
        {
            "name": "Cal Chair",
            "email": "cal@example.com",
            "aad_object_id": CHAIR,
            "roles": {"week": ["chair"]},
        },
    ]
    people += [
        {
            "name": f"Member for {agency}",
            "email": f"member{n}@example.com",
            "aad_object_id": person,
            "agency": agency,
            "roles": {"week": ["member"]},
        }
        for n, (agency, person) in enumerate(MEMBERS.items())
    ]
    return {
        "tenant": TENANT,
        "agencies": [{"name": a, "key_member": a in AGENCIES[:4]} for a in AGENCIES],
        "panels": [
            {"id": "week", "name": "Barnet Early Help Panel", "policy": {"preset": "barnet"}}
        ],
        "people": people,
    }


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    config = tmp_path / "panels.yaml"
    config.write_text(yaml.safe_dump(panel_config()), encoding="utf-8")
    async with teams_bot(tmp_path, START, panel_config=str(config)) as bot:
        yield bot


class Measured:
    """Every activity the bot answered an invoke with, by size."""

    def __init__(self, teams: Teams) -> None:
        self.teams = teams
        self.answers: list[tuple[str, int]] = []

    async def press(self, person: str, verb: str, data: dict[str, Any]) -> Card:
        status, body = await self.teams.invoke(person, verb, data)
        assert status == 200, body
        self.answers.append((verb, len(json.dumps(body))))
        card: Card = body["value"]
        return card


def referral(n: int) -> dict[str, str]:
    form = {
        "panel": "week",
        "safeguarding": "false",
        "reference": f"EHM-{n:04d}-" + "R" * 30,
        "locality": LOCALITIES[n % 3],
        "route": "new-referral",
        "needs": longest(MAX_NEEDS, "n"),
        "consent_by": longest(MAX_NAME, "p"),
        "consent_on": "2026-11-20",
    }
    for i in range(1, 5):
        form[f"child{i}_name"] = longest(MAX_NAME, "c")
        form[f"child{i}_dob"] = "2019-02-03"
        form[f"family{i}_name"] = longest(MAX_NAME, "f")
        form[f"family{i}_rel"] = "r" * 40
    return form


async def list_fifteen(measured: Measured) -> None:
    for n in range(15):
        measured.teams.clock.advance(timedelta(minutes=1))
        recorded = await measured.press(SUPPORT, Verb.CASE_REFER, referral(n))
        screen = [n["data"] for n in nodes(recorded) if n.get("title") == "Put on panel list"]
        await measured.press(SUPPORT, Verb.CASE_SCREEN, screen[-1])


async def test_a_full_barnet_week_at_real_scale_fits_teams_and_reminds_only_who_is_missing(
    teams: Teams,
) -> None:
    measured = Measured(teams)
    for person in (SUPPORT, CHAIR, *MEMBERS.values()):
        await teams.say(person, "hello")
    await list_fifteen(measured)

    frozen = await measured.press(SUPPORT, Verb.AGENDA_FREEZE, {"panel": "week"})
    queued = await measured.press(
        SUPPORT, Verb.AGENDA_CIRCULATE, action_data(frozen, "Circulate now")
    )
    await teams.deliver()
    desk = await measured.press(SUPPORT, Verb.DELIVERY_VIEW, action_data(queued, "Check again"))

    clicks: dict[str, int] = {}
    for agency, person in MEMBERS.items():
        if person == SILENT:
            continue
        clicks[agency] = await answer_case_by_case(measured, person, bulk=person == BULK)
        meeting = action_data(queued, "Check again")["meeting"]
        saved = await measured.press(
            person, Verb.CAPACITY_RECORD, {"meeting": meeting, "capacity": "2"}
        )
        assert "Capacity saved: your agency can lead 2 new cases" in texts_of(saved)
        clicks[agency] += 2  # the figure, and Save capacity

    reminded = await measured.press(
        SUPPORT,
        Verb.REMINDERS_SEND,
        {"panel": "week", "meeting": action_data(queued, "Check again")["meeting"]},
    )
    await teams.deliver()
    readiness = await measured.press(
        CHAIR,
        Verb.READINESS_VIEW,
        {"panel": "week", "meeting": action_data(queued, "Check again")["meeting"]},
    )

    assert "Agenda frozen: 15 cases" in texts_of(frozen)
    assert "The bot can reach all 12 members." in texts_of(frozen)
    assert "Delivered to 12 of 12 members." in texts_of(desk)
    reminders = [
        s.conversation_id
        for s in teams.connector.sent
        if str(s.activity.get("summary") or "").startswith("Reminder:")
    ]
    assert reminders == [personal(SILENT)], texts_of(reminded)
    assert "Reminders queued for 1 member; the chair is told" in texts_of(reminded)
    assert "No answer yet from: Substance Misuse." in texts_of(readiness)
    assert "Housing: 15 of 15 cases answered" in texts_of(readiness)
    # A member who answers every case on its own card: Answer, then per case one choice, one
    # typed line, the lead tick and Save, then Next (14 times), then the capacity figure and
    # Save capacity: 1 + 15 x 4 + 14 + 2 = 77 clicks, choices and typed lines.
    assert clicks["Health"] == 77
    assert clicks["Housing"] == 9  # one case, then All cases and "not known to us" for 14
    sizes = [len(json.dumps(s.activity)) for s in teams.connector.sent]
    largest = max(sizes + [size for _, size in measured.answers])
    print(f"largest activity: {largest} bytes of {len(sizes) + len(measured.answers)}")
    assert len(sizes) > 12
    assert largest <= MAX_ACTIVITY_BYTES


async def answer_case_by_case(measured: Measured, person: str, *, bulk: bool) -> int:
    """The member opens their list and answers each case on its own card; the clicks (and
    choices and typed lines) it took."""
    teams = measured.teams
    [pack] = [c for c in teams.cards_to(person) if "Please answer each" in texts_of(c)]
    data = action_data(pack, "Answer")
    card = await measured.press(person, Verb.PACK_CASE, data)
    clicks = 1
    while True:
        case_id = data["case"]
        typed = {
            f"known.{case_id}": "known",
            f"information.{case_id}": longest(2000, "i"),
            f"could_lead.{case_id}": "true",
        }
        if clicks == 1:  # the first case: Save pressed before choosing, refused
            refused = await measured.press(
                person, Verb.INFOCHECK_RECORD, {**data, **typed, f"known.{case_id}": ""}
            )
            # What was typed comes back on the card with the reason, nothing lost.
            [kept] = [n for n in nodes(refused) if n.get("id") == f"information.{case_id}"]
            assert kept["value"] == longest(2000, "i")
        saved = await measured.press(person, Verb.INFOCHECK_RECORD, {**data, **typed})
        assert "Answer saved." in texts_of(saved)
        clicks += 4  # the choice, the typed line, the tick, Save
        if bulk:
            rest = await measured.press(
                person, Verb.INFOCHECK_NOT_KNOWN_REST, {"meeting": data["meeting"]}
            )
            assert 'Recorded "not known to us" for 14 cases.' in texts_of(rest)
            return clicks + 2  # All cases, then Not known to us
        following = [
            n["data"] for n in nodes(saved) if str(n.get("title", "")).startswith("Next: ")
        ]
        if not following:
            return clicks
        data = dict(following[0])
        card = await measured.press(person, Verb.PACK_CASE, data)
        assert "Case " in texts_of(card)
        clicks += 1
