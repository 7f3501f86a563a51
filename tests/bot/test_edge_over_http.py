"""The HTTP edge under hostile and faulty requests (docs/safeguards.md §3, §9): token checks never
stop the bot and come before anything else is said, an activity a turn cannot use is refused
with 400, replies go only to Teams' hosts, and with authentication off only this machine may
call the bot."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.in_memory import FakeClock
from app import create_app
from bot.edge import ServiceUrls
from bot.signing_keys import Fetch, SigningKeys, http_fetch
from cards.verbs import Verb
from tests.bot.teams import ALEX, LONDON, FakeConnector, Teams, local_settings, texts_of
from tests.bot.test_week_over_http import audit_rows
from tests.bot.tokens import APP_ID, APP_TENANT, down, serving_our_key, signed, slow, unsigned

Client = TestClient[web.Request, web.Application]
TEAMS_URL = "https://smba.trafficmanager.net/uk/"
FOREIGN = "11111111-1111-1111-1111-111111111111"


@asynccontextmanager
async def authenticated_bot(tmp_path: Path, fetch: Fetch) -> AsyncIterator[Teams]:
    """The bot with Bot Framework authentication on, its signing keys fetched by `fetch`."""
    settings = local_settings(
        app_id=APP_ID,
        app_password="a-secret-for-tests",
        tenant_id=APP_TENANT,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'panel.sqlite3'}",
    )
    keys = SigningKeys(fetch, wait=1.0)
    app = create_app(settings, upgrade_db=True, background=False, signing_keys=keys)
    async with TestClient(TestServer(app)) as client:
        connector = FakeConnector()
        connector.url = TEAMS_URL
        yield Teams(client, app, FakeClock(datetime.now(LONDON)), connector)


async def post(teams: Teams, body: dict[str, Any], token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    response = await teams.client.post("/api/messages", json=body, headers=headers)
    return response.status


def cases_list(teams: Teams, **where: Any) -> dict[str, Any]:
    value = {"action": {"type": "Action.Execute", "verb": Verb.CASE_LIST, "data": {}}}
    return teams.activity(ALEX, "invoke", name="adaptiveCard/action", value=value, **where)


async def test_a_jwt_shaped_bearer_is_refused_within_a_second_and_the_bot_keeps_answering(
    tmp_path: Path,
) -> None:
    async with authenticated_bot(tmp_path, slow(30.0)) as teams:
        started = time.monotonic()
        refused = asyncio.create_task(post(teams, cases_list(teams), unsigned()))
        health: list[float] = []
        while not refused.done():
            asked = time.monotonic()
            assert (await teams.client.get("/healthz")).status == 200
            health.append(time.monotonic() - asked)
            await asyncio.sleep(0.05)

        assert await refused == 401
        assert time.monotonic() - started < 2.5  # a second's wait for the keys, then 401
        assert len(health) >= 3
        assert max(health) < 0.8  # the event loop was never held


@pytest.fixture
def hanging_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every HTTPS request made through the environment's proxy (as botbuilder's own
    `requests.get` would be) hangs for 3 seconds, then fails."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            threading.Timer(3.0, conn.close).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{server.getsockname()[1]}")
    yield
    stop.set()
    thread.join()
    server.close()


@pytest.mark.usefixtures("hanging_proxy")
async def test_the_sdks_blocking_key_lookup_is_never_used(tmp_path: Path) -> None:
    async with authenticated_bot(tmp_path, http_fetch(timeout=0.5)) as teams:
        started = time.monotonic()
        refused = asyncio.create_task(post(teams, cases_list(teams), unsigned()))
        await asyncio.sleep(0.2)
        asked = time.monotonic()
        assert (await teams.client.get("/healthz")).status == 200

        assert time.monotonic() - asked < 1.5  # the SDK's lookup would hold it 3 s
        assert await refused == 401
        assert time.monotonic() - started < 2.5


async def test_with_the_keys_endpoint_down_a_signed_token_fails_closed(tmp_path: Path) -> None:
    async with authenticated_bot(tmp_path, down()) as teams:
        assert await post(teams, cases_list(teams), signed(TEAMS_URL)) == 401


async def test_the_token_is_checked_before_the_tenant(tmp_path: Path) -> None:
    async with authenticated_bot(tmp_path, serving_our_key()) as teams:
        foreign = cases_list(teams, tenant=FOREIGN)

        assert await post(teams, foreign, "not.a.token") == 401  # says nothing of the tenant
        assert await post(teams, foreign, signed(TEAMS_URL)) == 403
        assert await post(teams, cases_list(teams), signed(TEAMS_URL)) == 200


async def test_signing_keys_are_fetched_once_and_reused(tmp_path: Path) -> None:
    calls: list[str] = []
    async with authenticated_bot(tmp_path, serving_our_key(calls)) as teams:
        for _ in range(5):
            assert await post(teams, cases_list(teams), signed(TEAMS_URL)) == 200

    assert len(calls) == 1  # the start-up fetch, then the cache


async def test_with_authentication_on_replies_never_go_to_a_loopback_service_url(
    tmp_path: Path,
) -> None:
    async with authenticated_bot(tmp_path, serving_our_key()) as teams:
        teams.connector.url = "http://127.0.0.1:9/"
        assert await post(teams, cases_list(teams), signed("http://127.0.0.1:9/")) == 400


def without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    here = body
    for key in path[:-1]:
        here = here[key]
    del here[path[-1]]
    return body


@pytest.mark.parametrize(
    "change",
    [
        lambda b: without(b, "conversation"),
        lambda b: without(b, "conversation", "id"),
        lambda b: without(b, "serviceUrl"),
        lambda b: without(b, "from"),
        lambda b: {**b, "serviceUrl": "file:///etc/passwd"},
        lambda b: {**b, "serviceUrl": "ftp://smba.trafficmanager.net/uk/"},
        lambda b: {**b, "serviceUrl": "http://smba.trafficmanager.net/uk/"},
        lambda b: {**b, "serviceUrl": "https://smba.trafficmanager.net.evil.example/"},
        lambda b: {**b, "serviceUrl": "https://evil.example/"},
    ],
    ids=[
        "no conversation",
        "no conversation id",
        "no serviceUrl",
        "no sender",
        "file url",
        "ftp url",
        "plain http to Teams",
        "a look-alike host",
        "another host",
    ],
)
async def test_an_activity_a_turn_cannot_use_is_refused_with_400_and_nothing_runs(
    teams: Teams, change: Any
) -> None:
    body = change(teams.activity(ALEX, "message", text="cases"))

    started = time.monotonic()
    response = await teams.client.post("/api/messages", json=body)

    assert response.status == 400
    assert time.monotonic() - started < 2.0  # was ~10 s of retries without a serviceUrl
    assert teams.connector.sent == []


async def test_without_authentication_only_a_loopback_host_may_call_the_bot(teams: Teams) -> None:
    body = teams.activity(ALEX, "message", text="help")

    rebound = await teams.client.post(
        "/api/messages", json=body, headers={"Host": "panel.attacker.example"}
    )
    local = await teams.client.post("/api/messages", json=body, headers={"Host": "localhost:3978"})

    assert rebound.status == 403
    assert local.status in (200, 201)


def test_teams_hosts_and_configured_ones_are_allowed_over_https_only() -> None:
    urls = ServiceUrls.of(["*.bots.example.gov.uk", "teams.example.org"], loopback=False)

    assert urls.allow("https://smba.trafficmanager.net/emea/")
    assert urls.allow("https://smba.infra.gcc.teams.microsoft.com/teams")
    assert urls.allow("https://north.bots.example.gov.uk/")
    assert urls.allow("https://teams.example.org/")
    assert not urls.allow("https://bots.example.gov.uk.evil/")
    assert not urls.allow("http://teams.example.org/")
    assert not urls.allow("https://127.0.0.1:3978/")
    assert ServiceUrls.of([], loopback=True).allow("http://127.0.0.1:56150/")
    assert not ServiceUrls.of([], loopback=True).allow("http://192.168.1.10/")


async def test_a_request_that_promises_a_body_and_stalls_is_answered_408(
    teams: Teams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.edge.BODY_TIMEOUT", 0.5)
    server = teams.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type": '
    )
    await writer.drain()

    status_line = await asyncio.wait_for(reader.readline(), 5.0)
    writer.close()

    assert status_line.split()[1] == b"408"


async def test_a_card_about_the_longest_reference_allowed_is_refused_and_audited(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    longest = "c" * 64

    status, body = await teams.invoke(ALEX, Verb.CASE_EDIT_FORM, {"panel": "demo", "case": longest})

    assert status == 200
    assert "does not exist" in texts_of(body["value"])
    refusals = [(r.case_id, r.reason) for r in await audit_rows(teams) if not r.allowed]
    assert refusals == [(longest, "NotFound")]
