"""The week's triggers come from the policy, carry only a panel id, and catch up after
downtime by running the (idempotent) step once."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.bank_holidays import calendar_for
from panel.policy import BARNET
from scheduler.week import WeekScheduler, due_moments
from tests.panel.fakes import FakeClock

LONDON = ZoneInfo("Europe/London")
CALENDAR = calendar_for(BARNET)


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_the_triggers_are_the_cutoff_circulation_each_reminder_and_the_break() -> None:
    moments = due_moments(BARNET, CALENDAR, at(12, 1, 14))

    assert moments[:4] == [at(12, 2, 12), at(12, 2, 14), at(12, 4, 10), at(12, 7, 12)]
    assert moments[4] == at(12, 8, 11)  # Barnet's break on panel day
    assert moments[5] == at(12, 9, 12)  # the following sitting's cut-off


def test_christmas_puts_the_next_cutoff_before_this_weeks_panel() -> None:
    # Tuesday 29 December 2026: the 25th and 28th are bank holidays, so 4 working days
    # before is Monday 21 December, the day before the panel of the 22nd.
    moments = due_moments(BARNET, CALENDAR, at(12, 18, 11))

    assert at(12, 21, 12) in moments  # this week's last reminder and next week's cut-off
    assert at(12, 21, 14) in moments  # next week's circulation
    assert moments == sorted(moments)


async def test_the_scheduler_catches_up_at_once_and_plans_the_next_trigger() -> None:
    # APScheduler keeps real time; the step and the plan read the fake clock.
    clock = FakeClock(at(12, 2, 15))  # started after the cut-off and circulation times
    calls: list[str] = []

    async def step(panel_id: str) -> None:
        calls.append(panel_id)

    scheduler = WeekScheduler([("demo", BARNET, CALENDAR)], step, clock)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)  # let the catch-up job run
        assert calls == ["demo"]
        assert scheduler.next_run("demo") == at(12, 4, 10)
        job = scheduler._scheduler.get_job("week:demo")
        assert job.args == ("demo",)  # a panel id: never personal data
    finally:
        scheduler.shutdown()


async def test_a_failing_step_is_retried_later_rather_than_dropped() -> None:
    clock = FakeClock(at(12, 2, 15))

    async def step(panel_id: str) -> None:
        raise RuntimeError("database away")

    scheduler = WeekScheduler([("demo", BARNET, CALENDAR)], step, clock)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)
        assert scheduler.next_run("demo") == at(12, 2, 15, 5)
    finally:
        scheduler.shutdown()
