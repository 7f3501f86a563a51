"""Info-check card actions over HTTP, as Teams sends them, against the real app in its own
process: 100 members each press "Save answer" at once, for several rounds.

    .venv/bin/python benchmarks/card_actions.py [--postgres URL] [--members 100] [--rounds 5]

The bot runs as `python app.py` (authentication off, loopback) with a generated panel
configuration of `--members` members in as many agencies, on SQLite (and PostgreSQL if given).
This process lists 15 families, freezes and circulates through the bot's own cards, then
fires the info-check invokes and prints latency (p50, p99) and actions per second. A local
fake connector takes the bot's replies and proactive sends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
TENANT = "00000000-0000-0000-0000-000000000001"
SUPPORT = "00000000-0000-0000-0000-000000000002"
CASES = 15


def person(n: int) -> str:
    return f"00000000-0000-0000-0001-{n:012d}"


def config(members: int) -> dict[str, Any]:
    agencies = [f"Agency {n:03d}" for n in range(members)]
    return {
        "tenant": TENANT,
        "agencies": [{"name": a, "key_member": n < 3} for n, a in enumerate(agencies)],
        "panels": [
            {
                "id": "bench",
                "name": "Benchmark panel",
                "policy": {"preset": "barnet", "overrides": {"max_cases_per_locality": 15}},
            }
        ],
        "people": [
            {
                "name": "Business Support",
                "email": "bs@example.org",
                "aad_object_id": SUPPORT,
                "roles": {"bench": ["business-support"]},
            },
            *(
                {
                    "name": f"Member {n}",
                    "email": f"m{n}@example.org",
                    "aad_object_id": person(n),
                    "agency": agencies[n],
                    "roles": {"bench": ["member"]},
                }
                for n in range(members)
            ),
        ],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Load:
    def __init__(self, session: aiohttp.ClientSession, bot: str, connector: str) -> None:
        self.session, self.bot, self.connector, self.count = session, bot, connector, 0

    async def invoke(self, who: str, verb: str, data: dict[str, Any]) -> tuple[float, Any]:
        self.count += 1
        body = {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "id": f"bench-{self.count}",
            "channelId": "msteams",
            "serviceUrl": self.connector,
            "from": {"id": f"29:{who}", "aadObjectId": who},
            "recipient": {"id": "28:bot"},
            "conversation": {"id": f"a:{who}", "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}},
            "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
        }
        started = time.perf_counter()
        async with self.session.post(f"{self.bot}/api/messages", json=body) as response:
            payload = await response.json()
            if response.status != 200:
                raise RuntimeError(f"{verb}: HTTP {response.status}")
        return time.perf_counter() - started, payload["value"]


def buttons(card: Any, title: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if card.get("type") == "Action.Execute" and card.get("title") == title:
            found.append(card["data"])
        for value in card.values():
            found += buttons(value, title)
    elif isinstance(card, list):
        for value in card:
            found += buttons(value, title)
    return found


async def fake_connector() -> tuple[web.AppRunner, str]:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"id": "x"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{cid}/activities", ok)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", ok)
    app.router.add_post("/v3/conversations", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def run(database_url: str, members: int, rounds: int, workdir: Path) -> None:
    config_path = workdir / "panels.yaml"
    config_path.write_text(yaml.safe_dump(config(members)), encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "PANEL_CONFIG": str(config_path),
        "ENCRYPTION_KEYS": "",
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "app.py",
        "--upgrade-db",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    runner, connector = await fake_connector()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=members)) as session:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    async with session.get(f"{base}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            load = Load(session, base, connector)
            await setup(load)
            _, pack = await load.invoke(person(0), "pack.open", {})
            saves = buttons(pack, "Save answer")
            meeting = saves[0]["meeting"]
            times: list[float] = []
            started = time.perf_counter()
            for n in range(rounds):
                case = saves[n % len(saves)]["case"]
                data = {"meeting": meeting, "case": case, f"known.{case}": "known"}
                results = await asyncio.gather(
                    *(load.invoke(person(m), "infocheck.save", data) for m in range(members))
                )
                times += [t for t, _ in results]
            wall = time.perf_counter() - started
        times.sort()
        name = database_url.split(":", 1)[0]
        print(
            f"{name}: {len(times)} info-check saves by {members} concurrent members: "
            f"{len(times) / wall:.1f}/s, p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.0f} ms"
        )
    finally:
        bot.terminate()
        await bot.wait()
        await runner.cleanup()


async def setup(load: Load) -> None:
    """List, screen, freeze and circulate 15 families through the bot's cards."""
    for n in range(CASES):
        form = {
            "panel": "bench",
            "reference": f"BENCH-{n}",
            "locality": "South",
            "route": "new-referral",
            "child1_name": f"Child {n}",
            "consent_by": "Parent",
            "consent_on": "2026-01-05",
        }
        _, card = await load.invoke(SUPPORT, "case.create", form)
        await load.invoke(SUPPORT, "case.screen", buttons(card, "List for panel")[-1])
    _, frozen = await load.invoke(SUPPORT, "agenda.freeze", {"panel": "bench"})
    await load.invoke(SUPPORT, "agenda.circulate", buttons(frozen, "Circulate now")[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL of an empty database")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        urls = [f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"]
        if args.postgres:
            urls.append(args.postgres)
        for url in urls:
            asyncio.run(run(url, args.members, args.rounds, work))


if __name__ == "__main__":
    main()
