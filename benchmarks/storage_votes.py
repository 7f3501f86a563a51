"""How long a vote takes through the real use case and storage, under concurrency.

    .venv/bin/python benchmarks/storage_votes.py [--postgres URL] [--rounds N]

Sets up one sitting like a large authority's (15 cases, 25 agencies each answering every
case), then has every agency vote at once on each case in turn, and prints per-vote latency
(p50, p99) and votes per second for SQLite and, if given, PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.bank_holidays import calendar_for
from adapters.in_memory import FakeClock, FakePanels
from panel.cases import Consent, Person, Referral
from panel.infochecks import Known
from panel.lifecycle import Event
from panel.policy import QuorumBasis, Section
from panel.presets import BARNET
from panel.quorum import Presence
from panel.roster import Member, Panel, Role
from panel.timeline import Timeline
from panel.usecases import common, info_checks, intake, panel_day, votes, week
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.unit_of_work import Store

LONDON = ZoneInfo("Europe/London")
AGENCIES = [f"Agency {n:02d}" for n in range(25)]
CASES = 15


def big_panel() -> Panel:
    policy = BARNET.__class__(
        **{
            **BARNET.__dict__,
            "max_cases_per_locality": None,
            "quorum_basis": QuorumBasis.AGENCIES,
            "key_agencies": frozenset(),
        }
    )
    members = [Member("chair", "Chair", frozenset({Role.CHAIR, Role.BUSINESS_SUPPORT}))]
    members += [
        Member(f"m{i}", a, frozenset({Role.MEMBER}), agency=a) for i, a in enumerate(AGENCIES)
    ]
    return Panel(
        "bench", "Bench", policy, calendar_for(policy), frozenset(AGENCIES), tuple(members)
    )


async def run(url: str, rounds: int) -> str:
    await upgrade_async(url)
    engine = (
        create_engine(url, pool_size=30, max_overflow=10)
        if "postgres" in url
        else create_engine(url)
    )
    store = Store(engine, FieldCipher([FieldCipher.new_key()], "x" * 40))
    panel = big_panel()
    # Wednesday morning, before the cut-off (noon, four working days before Tuesday 12 January),
    # so the cases referred now make that sitting's agenda.
    clock = FakeClock(datetime(2027, 1, 6, 10, 0, tzinfo=LONDON))
    deps = common.Deps(FakePanels(panel), store.unit_of_work, clock)
    case_ids = []
    for n in range(CASES):
        referral = Referral(
            f"EHM-{n}",
            "South",
            Section.NEW_REFERRAL,
            (Person(f"Child {n}", date(2018, 1, 1)),),
            consent=Consent("Parent", date(2026, 12, 1)),
        )
        case_id = await intake.refer_case(deps, panel_id=panel.id, actor="chair", referral=referral)
        await intake.screen_case(
            deps, panel_id=panel.id, actor="chair", case_id=case_id, decision=Event.LIST
        )
        case_ids.append(case_id)
    schedule = Timeline(panel.policy, panel.calendar).next_panel(clock.now())
    clock.set(schedule.cutoff_at)
    meeting = await week.freeze_agenda(deps, panel_id=panel.id)
    if meeting is None:
        raise SystemExit("the agenda did not freeze")
    await week.circulate_agenda(deps, meeting_id=meeting.id)
    for i in range(len(AGENCIES)):
        for case_id in case_ids:
            await info_checks.record_info_check(
                deps,
                meeting_id=meeting.id,
                actor=f"m{i}",
                case_id=case_id,
                known=Known.KNOWN,
                information="x" * 200,
                could_lead=i % 5 == 0,
            )
    clock.set(schedule.starts_at)
    await panel_day.start_panel(deps, panel_id=meeting.panel_id, actor="chair", early=True)
    for i in range(len(AGENCIES)):
        await panel_day.sign_in(
            deps,
            meeting_id=meeting.id,
            actor=f"m{i}",
            presence=Presence.PRESENT,
            accepted_statement=True,
        )

    latencies: list[float] = []

    async def vote(person: str, round_id: str, choice: str) -> None:
        start = time.perf_counter()
        await votes.cast_vote(
            deps, meeting_id=meeting.id, actor=person, round_id=round_id, choice=choice
        )
        latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    for case_id in case_ids[:rounds]:
        round_ = await votes.open_vote(deps, meeting_id=meeting.id, actor="chair", case_id=case_id)
        choice = round_.candidates[0]
        await asyncio.gather(*(vote(f"m{i}", round_.id, choice) for i in range(len(AGENCIES))))
    wall = time.perf_counter() - started
    await engine.dispose()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return (
        f"votes: {len(latencies)}  concurrency: {len(AGENCIES)}  "
        f"p50: {statistics.median(latencies) * 1000:.1f} ms  p99: {p99 * 1000:.1f} ms  "
        f"throughput: {len(latencies) / wall:.0f} votes/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a postgresql+asyncpg URL of an empty database")
    parser.add_argument("--rounds", type=int, default=CASES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(
            "sqlite    ",
            asyncio.run(run(f"sqlite+aiosqlite:///{folder}/bench.sqlite3", args.rounds)),
        )
    if args.postgres:
        print("postgresql", asyncio.run(run(args.postgres, args.rounds)))


if __name__ == "__main__":
    main()
