"""Looking for a message in its conversation through Graph: the right chat or channel, the
right card, and "cannot tell" (never "not there") when Graph cannot answer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.graph import CannotTell, GraphReceipts, carries
from tests.fake_graph import TEAMS_APP, TOKEN, FakeGraph, Posted

NOW = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
PERSON = "7f0a1c9e-0000-4000-8000-000000000001"
CARD = "application/vnd.microsoft.card.adaptive"


def card(marker: str) -> dict[str, object]:
    return {
        "attachments": [{"contentType": CARD, "content": {"type": "AdaptiveCard", "id": marker}}]
    }


class World:
    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.graph = FakeGraph(lambda: self.posted, lambda person: [f"a:chat-{person}"])
        self.receipts: GraphReceipts | None = None


async def a_token(tenant: str) -> str:
    return TOKEN


@pytest.fixture
async def world() -> AsyncIterator[World]:
    found = World()
    app = web.Application()
    found.graph.install(app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.receipts = GraphReceipts(
        a_token,
        TEAMS_APP,
        {"demo": ("19:team@thread.tacv2", "19:channel@thread.tacv2")},
        {"demo": "group-guid"},
        base_url=str(server.make_url("/v1.0")),
    )
    yield found
    await found.receipts.close()
    await server.close()


async def test_a_card_in_the_persons_chat_since_the_attempt_is_found(world: World) -> None:
    assert world.receipts is not None
    world.posted.append(Posted(f"a:chat-{PERSON}", card("outbox-12"), NOW))

    assert await world.receipts.arrived(f"person:{PERSON}", "t", "outbox-12", NOW)
    assert not await world.receipts.arrived(f"person:{PERSON}", "t", "outbox-1", NOW)


async def test_a_card_older_than_the_attempt_or_in_another_chat_does_not_count(
    world: World,
) -> None:
    assert world.receipts is not None
    world.posted.append(Posted(f"a:chat-{PERSON}", card("outbox-5"), NOW - timedelta(hours=1)))
    world.posted.append(Posted("a:chat-someone-else", card("outbox-5"), NOW))

    assert not await world.receipts.arrived(f"person:{PERSON}", "t", "outbox-5", NOW)


async def test_the_persons_chat_is_looked_up_once(world: World) -> None:
    assert world.receipts is not None
    for _ in range(3):
        await world.receipts.arrived(f"person:{PERSON}", "t", "outbox-5", NOW)

    installed = [r for r in world.graph.requests if r.endswith("installedApps?$expand=teamsApp")]
    assert len(installed) == 1


async def test_a_channel_notice_is_looked_for_in_the_panels_channel(world: World) -> None:
    assert world.receipts is not None
    world.posted.append(Posted("19:channel@thread.tacv2", card("outbox-7"), NOW))

    assert await world.receipts.arrived("channel:demo", "t", "outbox-7", NOW)
    with pytest.raises(CannotTell, match=r"notices\.group"):
        await world.receipts.arrived("channel:other-panel", "t", "outbox-7", NOW)


@pytest.mark.parametrize("status", [403, 503])
async def test_graph_refusing_or_down_means_cannot_tell(world: World, status: int) -> None:
    assert world.receipts is not None
    world.graph.refuse = status

    with pytest.raises(CannotTell, match=str(status)):
        await world.receipts.arrived(f"person:{PERSON}", "t", "outbox-7", NOW)


def test_only_a_card_whose_id_is_the_marker_counts() -> None:
    def message(content: object) -> dict[str, object]:
        text = content if isinstance(content, str) else json.dumps(content)
        return {"attachments": [{"contentType": CARD, "content": text}]}

    assert carries(message({"id": "outbox-3"}), "outbox-3")
    assert not carries(message({"id": "outbox-31"}), "outbox-3")
    assert not carries(message({"body": [{"text": "outbox-3"}]}), "outbox-3")
    assert not carries(message("outbox-3 {not json"), "outbox-3")
    assert not carries({"attachments": None}, "outbox-3")
