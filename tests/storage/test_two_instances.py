"""Two real app processes on one PostgreSQL database share the outbox: each message is claimed
by one of them (`FOR UPDATE SKIP LOCKED`); when one is killed mid-sweep, the other takes its
claimed messages over once their lease runs out. Nothing is lost.

Nothing is doubled either: the message the killed process had handed to Teams but not yet
recorded as sent is looked for in the chat through (a stand-in for) Graph before the other
process sends it again. Without Graph that one message would arrive twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.outbox import ConversationReferences, Outbox
from storage.unit_of_work import Store
from tests.fake_graph import (
    CLIENT_ID,
    TEAMS_APP,
    FakeAuthority,
    FakeGraph,
    Posted,
    self_signed,
    tls_context,
)
from tests.storage.conftest import LOOKUP, POSTGRES

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 240
PEOPLE = 40
KEY = FieldCipher.new_key()

pytestmark = pytest.mark.skipif(not POSTGRES, reason="TEST_POSTGRES_URL is not set")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SlowConnector:
    """Teams' connector, taking 15 ms a send; counts what arrives, by message text. Graph's
    reads of the chats are answered from the same record."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.posted: list[Posted] = []
        self.graph = FakeGraph(lambda: self.posted, lambda person: [f"a:{person}"])
        self.a_third = asyncio.Event()  # a third of the messages have arrived
        self.every_one = asyncio.Event()  # every distinct message has arrived
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        self.app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        self.graph.install(self.app)

    async def _send(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.015)
        body = await request.json()
        self.received[str(body.get("summary"))] += 1
        self.posted.append(Posted(request.match_info["cid"], body, datetime.now(UTC)))
        if sum(self.received.values()) >= MESSAGES // 3:
            self.a_third.set()
        if len(self.received) >= MESSAGES:
            self.every_one.set()
        return web.json_response({"id": "x"})


@pytest.fixture
async def connector() -> AsyncIterator[tuple[SlowConnector, str]]:
    fake = SlowConnector()
    runner = web.AppRunner(fake.app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield fake, f"http://127.0.0.1:{port}/"
    await runner.cleanup()


@pytest.fixture
async def authority(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """Entra ID's token endpoint, over TLS as MSAL requires; its base URL and certificate."""
    fake = FakeAuthority()
    cert, key = self_signed(tmp_path)
    runner = web.AppRunner(fake.app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls_context(cert, key)).start()
    fake.base = f"https://127.0.0.1:{port}"
    yield fake.base, cert
    await runner.cleanup()


def start_app(
    database_url: str, log: Path, service_url: str, authority: tuple[str, Path]
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORT": str(free_port()),
        "DATABASE_URL": database_url,
        "ENCRYPTION_KEYS": KEY,
        "LOOKUP_KEY": LOOKUP,
        "OUTBOX_LEASE_SECONDS": "3",
        "GRAPH_CLIENT_ID": CLIENT_ID,
        "GRAPH_CLIENT_SECRET": "a-client-secret-for-tests",
        "GRAPH_TENANT_ID": "00000000-0000-0000-0000-0000000000001",
        "GRAPH_URL": service_url + "v1.0",
        "GRAPH_AUTHORITY_HOST": authority[0],
        "TEAMS_APP_ID": TEAMS_APP,
        "RECONCILE_AFTER_SECONDS": "1",
        "REQUESTS_CA_BUNDLE": str(authority[1]),  # MSAL's HTTP client trusts the stand-in
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_instances_share_the_outbox_and_survive_one_being_killed(
    database_url: str,
    connector: tuple[SlowConnector, str],
    authority: tuple[str, Path],
    tmp_path: Path,
) -> None:
    fake, service_url = connector
    await upgrade_async(database_url)
    store = Store(create_engine(database_url), FieldCipher([KEY], LOOKUP))
    now = datetime.now(UTC)
    references, outbox = ConversationReferences(store), Outbox(store)
    for n in range(PEOPLE):
        reference = {
            "conversation": {"id": f"a:person-{n}", "conversationType": "personal"},
            "serviceUrl": service_url,
            "channelId": "msteams",
            "bot": {"id": "28:bot"},
            "user": {"id": f"29:person-{n}"},
        }
        await references.save("", f"person-{n}", reference, now)
    for n in range(MESSAGES):
        await outbox.enqueue(
            f"test:{n}",
            f"person:person-{n % PEOPLE}",
            "still-missing",
            {"text": f"m{n}", "data": {"meeting_id": "m1"}},
            now,
        )

    first = start_app(database_url, tmp_path / "first.log", service_url, authority)
    second = start_app(database_url, tmp_path / "second.log", service_url, authority)
    try:
        await asyncio.wait_for(fake.a_third.wait(), 60)
        first.send_signal(signal.SIGKILL)  # mid-sweep: it holds a claimed batch
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.every_one.wait(), 60)
        await asyncio.sleep(1)  # the last sends are recorded as sent
        pending = await outbox.pending_count()
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=10)
        await store.engine.dispose()

    lost = [f"m{n}" for n in range(MESSAGES) if fake.received[f"m{n}"] == 0]
    repeated = {text: n for text, n in fake.received.items() if n > 1}
    assert lost == [], (tmp_path / "second.log").read_text()[-2000:]
    assert repeated == {}, (tmp_path / "second.log").read_text()[-2000:]
    assert pending == 0
