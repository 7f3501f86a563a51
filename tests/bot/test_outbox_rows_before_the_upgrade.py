"""Messages queued before the typed payloads (outbox layout version 1: plain `{text, data}`)
are still delivered after the upgrade. `outbox_rows_v1.json` holds one payload of every kind
exactly as the code before the change wrote it (captured by running that code's tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app import STORE
from bot.rendering import render
from panel.messages import (
    BODIES,
    VERSION,
    Ballot,
    CaseCard,
    Circulation,
    Counts,
    DirectMessage,
    Kind,
    MinutesRecord,
    decode,
)
from storage.outbox import Outbox
from tests.bot.teams import ISAIAH, Teams, personal
from tests.bot.test_week_over_http import circulated
from tests.card_nodes import nodes

ROWS: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "outbox_rows_v1.json").read_text(encoding="utf-8")
)


def kind_of(name: str) -> str:
    return name.removeprefix("channel:")


# Kinds added after version 2 of the payload: no version 1 row of them can exist.
SINCE_VERSION_2 = frozenset(
    {
        Kind.REFERRER_NEWS.value,
        Kind.ACTION.value,
        Kind.CONSOLE_UPDATE.value,
        Kind.CORRECTION.value,
        Kind.ESCALATION.value,
        Kind.LEAD.value,
        Kind.STEP_UP.value,
    }
)


def test_the_old_rows_cover_every_kind_of_message() -> None:
    assert {k.value for k in BODIES} - SINCE_VERSION_2 <= set(ROWS)
    assert all("v" not in row["payload"] for row in ROWS.values())  # all of version 1


def test_every_old_row_reads_as_its_typed_body_and_renders_a_card() -> None:
    for name, row in ROWS.items():
        stored = decode(kind_of(name), row["payload"])
        expected = Counts if name.startswith("channel:") else BODIES[Kind(name)]
        assert isinstance(stored.body, expected), name
        assert stored.text == row["payload"]["text"]
        assert render(stored)["type"] == "AdaptiveCard"


def test_an_old_row_and_its_version_2_copy_read_the_same() -> None:
    for name, row in ROWS.items():
        if name.startswith("channel:"):
            continue
        old = decode(name, row["payload"])
        assert not isinstance(old.body, Counts)
        again = DirectMessage("p", "k", old.text, old.body, queued_for=None).payload
        assert again["v"] == VERSION
        assert decode(name, again) == old, name


def test_the_old_rows_carry_what_their_cards_show() -> None:
    pack = decode("circulation", ROWS["circulation"]["payload"]).body
    assert isinstance(pack, Circulation)
    old_cases = ROWS["circulation"]["payload"]["data"]["cases"]
    assert [c.case_id for c in pack.cases] == [c["case_id"] for c in old_cases]
    assert pack.cases[0].child_names == tuple(old_cases[0]["child-names"])
    ballot = decode("vote-ballot", ROWS["vote-ballot"]["payload"]).body
    assert isinstance(ballot, Ballot)
    assert ballot.candidates == tuple(ROWS["vote-ballot"]["payload"]["data"]["candidates"])
    card = decode("case-card", ROWS["case-card"]["payload"]).body
    assert isinstance(card, CaseCard)
    assert dict(card.capacity) == ROWS["case-card"]["payload"]["data"]["capacity"]
    minutes = decode("minutes", ROWS["minutes"]["payload"]).body
    assert isinstance(minutes, MinutesRecord)
    assert minutes.panel_date.isoformat() == ROWS["minutes"]["payload"]["data"]["panel_date"]


async def test_rows_queued_before_the_upgrade_are_delivered_after_it(teams: Teams) -> None:
    await circulated(teams)
    outbox = Outbox(teams.app[STORE])
    before = len(teams.connector.to(personal(ISAIAH)))
    direct = {n: r for n, r in ROWS.items() if not n.startswith("channel:")}
    for name, row in direct.items():
        # Every old row to a person the demo panel has, so each can be reached.
        await outbox.enqueue(
            f"v1:{name}", f"person:{ISAIAH}", name, row["payload"], teams.clock.now()
        )
    await teams.deliver()

    sent = teams.connector.to(personal(ISAIAH))[before:]
    assert len(sent) == len(direct)
    ballots = [c for s in sent for c in s.cards if "Vote: lead agency" in json.dumps(c)]
    assert len(ballots) == 1
    verbs = {n.get("verb") for s in sent for c in s.cards for n in nodes(c)}
    assert {"vote.cast", "pack.case", "milestone.done", "panel.sign-in"} <= verbs
    assert [f for f in await outbox.failed() if f.kind in direct] == []
