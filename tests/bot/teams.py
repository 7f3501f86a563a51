"""Drive the bot as Teams would: Bot Framework activities over HTTP to /api/messages, and a
local fake connector that records (and answers) every call the bot makes back to Teams."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.in_memory import FakeClock
from app import DELIVERER, create_app
from bot.settings import Settings
from storage.crypto import FieldCipher
from tests.card_nodes import texts_of
from tests.fake_graph import (
    CLIENT_ID,
    TEAMS_APP,
    FakeAuthority,
    FakeGraph,
    Posted,
    self_signed,
    tls_context,
)

__all__ = ["texts_of"]  # the bot tests import it from here

Client = TestClient[web.Request, web.Application]
Card = dict[str, Any]
LONDON = ZoneInfo("Europe/London")

TENANT = "00000000-0000-0000-0000-0000000000001"
ALEX = "00000000-0000-0000-0000-0000000000020"  # business support, and member for Early Help
MEGAN = "00000000-0000-0000-0000-0000000000021"  # chair
ADELE = "00000000-0000-0000-0000-0000000000022"  # Health
ISAIAH = "00000000-0000-0000-0000-0000000000023"  # Schools
PATTI = "00000000-0000-0000-0000-0000000000024"  # Police
LYNNE = "00000000-0000-0000-0000-0000000000025"  # deputy for Police
TEAM = "team-id"
CHANNEL = "channel-announcements-id"
TEST_KEY = FieldCipher.new_key()


def local_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": "",
        "app_password": "",
        "app_type": "SingleTenant",
        "tenant_id": "",
        "host": "127.0.0.1",
        "port": 3978,
        "database_url": "sqlite+aiosqlite:///:memory:",
        "encryption_keys": TEST_KEY,
        "lookup_key": "a-look-up-key-for-tests-only-0123456789",
        "panel_config": "config/demo.yaml",
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Sent:
    conversation_id: str
    activity: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The id Teams gives a message in a chat: epoch milliseconds, so ids grow with time.
    teams_id: str = ""

    @property
    def cards(self) -> list[Card]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


class FakeConnector:
    """Stands in for the Bot Framework connector (Teams' side of proactive and reply sends)."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.url = ""
        self.clock = clock
        self.sent: list[Sent] = []
        self.created: list[dict[str, Any]] = []
        # Answered to the next sends into 1:1 chats (channel notices go through untouched, so
        # a test knows which message met the failure while the worker sends side by side).
        self.failures: list[tuple[int, dict[str, str]]] = []
        self.slow: dict[str, float] = {}  # conversation id: seconds it takes to answer
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations", self._create)
        self.app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        self.app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        self.app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        self.app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        # Messages the bot replaced in place (the chair's console): conversation, message id,
        # and the activity that replaced it, in order.
        self.updated: list[tuple[str, str, dict[str, Any]]] = []

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        self.updated.append((cid, aid, await request.json()))
        return web.json_response({"id": aid})

    def latest(self, conversation_id: str, message_id: str) -> Card | None:
        """The card message `message_id` shows now, if the bot replaced it."""
        for cid, aid, activity in reversed(self.updated):
            if (cid, aid) == (conversation_id, message_id):
                card: Card = next(
                    a["content"]
                    for a in activity.get("attachments") or []
                    if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
                )
                return card
        return None

    async def _send(self, request: web.Request) -> web.Response:
        if request.match_info["cid"] in self.slow:
            await asyncio.sleep(self.slow[request.match_info["cid"]])
        if self.failures and request.match_info["cid"].startswith("a:"):
            status, headers = self.failures.pop(0)
            if status == 200:  # an answer that is not JSON: did the message arrive or not?
                await self._arrive(request)
                return web.Response(text="ok")
            if status >= 1000:  # the message arrives, and then Teams answers `status - 1000`
                await self._arrive(request)
                status -= 1000
            return web.json_response(
                {"error": {"code": "Failed", "message": "as the test asked"}},
                status=status,
                headers=headers,
            )
        sent = await self._arrive(request)
        return web.json_response({"id": sent.teams_id})

    async def _arrive(self, request: web.Request) -> Sent:
        at = self.clock.now() if self.clock is not None else datetime.now(UTC)
        teams_id = str(int(at.timestamp() * 1000) + len(self.sent))
        sent = Sent(request.match_info["cid"], await request.json(), at, teams_id)
        self.sent.append(sent)
        return sent

    def posted(self) -> list[Posted]:
        """What Graph would list: every message that arrived, with when."""
        return [Posted(s.conversation_id, s.activity, s.at) for s in self.sent]

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        member = body["members"][0]["id"]
        return web.json_response({"id": f"a:created-{member}"})

    async def _member(self, request: web.Request) -> web.Response:
        aad = request.match_info["mid"]
        return web.json_response({"id": f"29:{aad}", "aadObjectId": aad, "name": "Member"})

    @property
    def texts(self) -> list[str]:
        return [s.activity.get("text") or "" for s in self.sent]

    def to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]


def personal(person: str) -> str:
    return f"a:personal-{person}"


def chats_of(person: str) -> tuple[str, ...]:
    """The bot's conversation ids for a person's 1:1 chat: stored, or opened from the roster."""
    return (personal(person), f"a:created-29:{person}")


@dataclass
class Teams:
    client: Client
    app: web.Application
    clock: FakeClock
    connector: FakeConnector
    graph: FakeGraph | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def activity(
        self,
        person: str | None,
        kind: str,
        *,
        conversation: str | None = None,
        conversation_type: str | None = "personal",
        team: str | None = None,
        activity_id: str | None = None,
        tenant: str = TENANT,
        **extra: Any,
    ) -> dict[str, Any]:
        sender: dict[str, Any] = {"id": f"29:{person or 'anonymous'}", "name": "Someone"}
        if person:
            sender["aadObjectId"] = person
        channel_data: dict[str, Any] = {"tenant": {"id": tenant}}
        if team:
            channel_data["team"] = {"id": team}
        where: dict[str, Any] = {
            "id": conversation or personal(person or "anonymous"),
            "tenantId": tenant,
        }
        if conversation_type is not None:  # None: an activity that does not say
            where["conversationType"] = conversation_type
        return {
            "type": kind,
            "id": activity_id or f"activity-{next(self.ids)}",
            "timestamp": "2026-12-01T12:00:00.000Z",
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": sender,
            "conversation": where,
            "recipient": {"id": "28:bot", "name": "Panel Bot"},
            "channelData": channel_data,
            **extra,
        }

    async def say(self, person: str | None, text: str, **where: Any) -> web.Response:
        body = self.activity(person, "message", text=text, **where)
        response = await self.client.post("/api/messages", json=body)
        return response  # type: ignore[return-value]

    async def press(
        self, person: str | None, verb: str, data: dict[str, Any] | None = None, **where: Any
    ) -> Card:
        """Press an Action.Execute button; the card Teams shows in its place."""
        status, body = await self.invoke(person, verb, data, **where)
        assert status == 200, body
        card: Card = body["value"]
        return card

    async def invoke(
        self,
        person: str | None,
        verb: str,
        data: dict[str, Any] | None = None,
        *,
        in_message: str | None = None,
        **where: Any,
    ) -> tuple[int, Any]:
        """Press a button; `in_message`: the id of the message the card is in (Teams sends it
        as the invoke's replyToId)."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data or {}}}
        if in_message is not None:
            where["replyToId"] = in_message
        body = self.activity(person, "invoke", name="adaptiveCard/action", value=value, **where)
        response = await self.client.post("/api/messages", json=body)
        return response.status, await response.json()

    async def install_in_team(self) -> None:
        body = self.activity(
            ALEX,
            "conversationUpdate",
            conversation=CHANNEL,
            conversation_type="channel",
            team=TEAM,
            membersAdded=[{"id": "28:bot"}],
        )
        response = await self.client.post("/api/messages", json=body)
        assert response.status in (200, 201)

    async def deliver(self) -> int:
        total = 0
        while sent := await self.app[DELIVERER].deliver_due():
            total += sent
        return total

    def cards_to(self, person: str) -> list[Card]:
        return [
            card
            for s in self.connector.sent
            if s.conversation_id in (personal(person), f"a:created-29:{person}")
            for card in s.cards
        ]

    def now(self, year: int, month: int, day: int, hour: int, minute: int = 0) -> None:
        self.clock.set(datetime(year, month, day, hour, minute, tzinfo=LONDON))


@asynccontextmanager
async def teams_bot(
    tmp_path: Path,
    start: datetime,
    database_url: str = "",
    *,
    graph: bool = False,
    **settings: Any,
) -> AsyncIterator[Teams]:
    """The bot over HTTP with a fake connector; with `graph`, also Graph and Entra ID
    stand-ins, so a send with an unknown outcome can be looked for."""
    clock = FakeClock(start)
    connector = FakeConnector(clock)
    fake_graph: FakeGraph | None = None
    async with contextlib.AsyncExitStack() as stack:
        if graph:
            fake_graph = FakeGraph(connector.posted, chats_of)
            fake_graph.install(connector.app)
            authority = FakeAuthority()
            cert, key = self_signed(tmp_path)
            authority_server = TestServer(authority.app, host="127.0.0.1")
            await authority_server.start_server(ssl=tls_context(cert, key))
            stack.push_async_callback(authority_server.close)
            authority.base = f"https://127.0.0.1:{authority_server.port}"
            # MSAL fetches tokens with requests, which trusts this bundle instead of certifi's.
            stack.enter_context(_environment(REQUESTS_CA_BUNDLE=str(cert)))
            settings = {
                "graph_client_id": CLIENT_ID,
                "graph_client_secret": "a-client-secret-for-tests",
                "graph_tenant_id": TENANT,
                "graph_authority_host": authority.base,
                "teams_app_id": TEAMS_APP,
                **settings,
            }
        connector_server = TestServer(connector.app, host="127.0.0.1")
        await connector_server.start_server()
        stack.push_async_callback(connector_server.close)
        connector.url = str(connector_server.make_url("/"))
        if graph:
            settings.setdefault("graph_url", connector.url + "v1.0")
        url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'panel.sqlite3'}"
        app = create_app(
            local_settings(database_url=url, **settings),
            upgrade_db=True,
            clock=clock,
            background=False,
        )
        async with TestClient(TestServer(app)) as client:
            yield Teams(client, app, clock, connector, fake_graph)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
