"""Circulation fan-out against a local connector that enforces Teams' rate limits.

    .venv/bin/python benchmarks/fan_out.py [--messages 500] [--people 100]

The real delivery worker (`bot.delivery.Deliverer`, CloudAdapter, the SQLite outbox) sends
`--messages` 1:1 messages to `--people` people through a fake Teams connector over HTTP that
answers 429 (with Retry-After) to anything beyond 7 sends a second in one conversation or 50 a
second in the tenant. Halfway through, the worker is stopped and a new one (a "restart") takes
over from the database. Prints sends a second against the 50 allowed, 429s, lost and
duplicates.

`--workers 2` runs two workers on the one database, as two instances would: they share the
limits through their heartbeats. `--no-share` makes each take the whole budget, to show the
429s that sharing avoids.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from adapters.clock import SystemClock
from app import bot_framework_config
from bot.delivery import Deliverer, TeamsDirectory
from bot.rate_budget import RateBudget
from bot.sdk_fixes import speed_up_retry_policy
from bot.settings import Settings
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.outbox import ConversationReferences, Outbox
from storage.unit_of_work import Store


class LimitedConnector:
    """429 beyond 7 a second per conversation or 50 a second in all, as Teams does."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.throttled = 0
        self.tenant: deque[float] = deque()
        self.conversations: dict[str, deque[float]] = {}
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        self.app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)

    @staticmethod
    def _full(window: deque[float], now: float, limit: int) -> bool:
        while window and now - window[0] >= 1.0:
            window.popleft()
        return len(window) >= limit

    async def _send(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        conversation = self.conversations.setdefault(request.match_info["cid"], deque())
        if self._full(self.tenant, now, 50) or self._full(conversation, now, 7):
            self.throttled += 1
            return web.json_response(
                {"error": {"code": "Throttled", "message": "Too many requests"}},
                status=429,
                headers={"Retry-After": "1"},
            )
        self.tenant.append(now)
        conversation.append(now)
        body = await request.json()
        self.received[str(body.get("summary"))] += 1
        return web.json_response({"id": "sent"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Unshared(RateBudget):
    """Each worker takes Teams' whole budget, whatever the others do."""

    def share(self, workers: int) -> None:
        return None


async def run(messages: int, people: int, work: Path, workers: int, share: bool) -> None:
    speed_up_retry_policy()
    url = f"sqlite+aiosqlite:///{work / 'fan-out.sqlite3'}"
    await upgrade_async(url)
    store = Store(create_engine(url), FieldCipher([FieldCipher.new_key()], "k" * 32))
    connector = LimitedConnector()
    runner = web.AppRunner(connector.app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    references, outbox = ConversationReferences(store), Outbox(store)
    now = datetime.now(UTC)
    for n in range(people):
        await references.save(
            "",
            f"p{n}",
            {
                "conversation": {"id": f"a:p{n}", "conversationType": "personal"},
                "serviceUrl": f"http://127.0.0.1:{port}/",
                "channelId": "msteams",
                "bot": {"id": "28:bot"},
                "user": {"id": f"29:p{n}"},
            },
            now,
        )
    for n in range(messages):
        await outbox.enqueue(
            f"fan:{n}",
            f"person:p{n % people}",
            "still-missing",
            {"text": f"m{n}", "data": {"meeting_id": "m1"}},
            now,
        )
    settings = Settings(host="127.0.0.1")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(bot_framework_config(settings)))

    def worker() -> asyncio.Task[None]:
        budget = RateBudget() if share else Unshared()
        deliverer = Deliverer(
            adapter, "", outbox, references, TeamsDirectory(), SystemClock(), budget
        )
        return asyncio.create_task(deliverer.run(poll=0.05))

    started = time.perf_counter()
    first = [worker() for _ in range(workers)]
    while sum(connector.received.values()) < messages // 2:  # noqa: ASYNC110 - a benchmark polls
        await asyncio.sleep(0.05)
    for task in first:
        task.cancel()  # the restart: each hands back what it claimed and has not sent
    second = [worker() for _ in range(workers)]
    deadline = time.perf_counter() + 300
    while len(connector.received) < messages and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    for task in second:
        task.cancel()
    await asyncio.gather(*first, *second, return_exceptions=True)
    await runner.cleanup()
    await store.engine.dispose()
    lost = messages - len(connector.received)
    duplicates = sum(n - 1 for n in connector.received.values() if n > 1)
    rate = sum(connector.received.values()) / wall
    print(f"{messages} messages to {people} people by {workers} worker(s) in {wall:.1f} s")
    print(f"rate: {rate:.1f}/s of the 50/s allowed ({rate / 50:.0%})")
    print(f"throttled (429): {connector.throttled}")
    print(f"lost: {lost}")
    print(f"duplicates: {duplicates}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1, help="instances sending at once")
    parser.add_argument("--no-share", action="store_true", help="each takes the whole budget")
    args = parser.parse_args()
    logging.getLogger("bot").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(args.messages, args.people, Path(tmp), args.workers, not args.no_share))


if __name__ == "__main__":
    main()
