"""The week's triggers come from the policy, carry only a panel id, and catch up after
downtime by running the (idempotent) step once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.bank_holidays import calendar_for
from adapters.in_memory import FakeClock
from panel.presets import BARNET
from scheduler.week import QuietHours, WeekScheduler, due_moments, quiet

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
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


def a_plain_wednesday_ahead() -> datetime:
    """A Wednesday over a year ahead of the real clock whose panel week has no bank holiday.

    APScheduler keeps real time and drops a run date already past, so these tests must not
    name a fixed day (they broke when 4 December 2026 came and went)."""
    day = (datetime.now(LONDON) + timedelta(days=400)).date()
    while day.weekday() != 2 or not all(
        CALENDAR.is_working_day(day + timedelta(days=n)) for n in (0, 1, 2, 5, 6)
    ):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


async def test_the_scheduler_catches_up_at_once_and_plans_the_next_trigger() -> None:
    # APScheduler keeps real time; the step and the plan read the fake clock.
    wednesday = a_plain_wednesday_ahead()
    clock = FakeClock(wednesday + timedelta(hours=15))  # after the cut-off and circulation
    calls: list[str] = []

    async def step(panel_id: str) -> None:
        calls.append(panel_id)

    scheduler = WeekScheduler([("demo", BARNET, CALENDAR)], step, clock)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)  # let the catch-up job run
        assert calls == ["demo"]
        # Barnet's Friday reminder at 10:00.
        assert scheduler.next_run("demo") == wednesday + timedelta(days=2, hours=10)
        job = scheduler._scheduler.get_job("week:demo")
        assert job.args == ("demo",)  # a panel id: never personal data
    finally:
        scheduler.shutdown()


async def test_a_failing_step_is_retried_later_rather_than_dropped() -> None:
    wednesday = a_plain_wednesday_ahead()
    clock = FakeClock(wednesday + timedelta(hours=15))

    async def step(panel_id: str) -> None:
        raise RuntimeError("database away")

    scheduler = WeekScheduler([("demo", BARNET, CALENDAR)], step, clock)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)
        assert scheduler.next_run("demo") == wednesday + timedelta(hours=15, minutes=5)
    finally:
        scheduler.shutdown()


def test_nothing_may_be_scheduled_in_the_quiet_hours() -> None:
    scheduler = WeekScheduler([], _nothing_step, FakeClock(at(12, 1, 12)))

    with pytest.raises(QuietHours):
        scheduler.every("retention", _nothing, hour=2, minute=0)


async def test_daily_sweeps_keep_london_wall_clock_time_across_the_2027_clock_changes() -> None:
    scheduler = WeekScheduler([], _nothing_step, FakeClock(at(12, 1, 12)))
    scheduler.every("follow-up:demo", _nothing, hour=7, minute=30)
    scheduler.every("retention", _nothing, hour=3, minute=30)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("follow-up:demo")
        spring = job.trigger.get_next_fire_time(None, datetime(2027, 3, 27, 12, tzinfo=UTC))
        autumn = job.trigger.get_next_fire_time(None, datetime(2027, 10, 30, 12, tzinfo=UTC))
        assert spring.astimezone(UTC) == datetime(2027, 3, 28, 6, 30, tzinfo=UTC)  # 07:30 BST
        assert autumn.astimezone(UTC) == datetime(2027, 10, 31, 7, 30, tzinfo=UTC)  # 07:30 GMT
        assert all(not quiet(t) for t in scheduler.job_times().values() if t is not None)
    finally:
        scheduler.shutdown()


def test_a_policy_moment_in_the_quiet_hours_runs_at_three_instead() -> None:
    scheduler = WeekScheduler([("demo", BARNET, CALENDAR)], _nothing_step, FakeClock(at(12, 1, 12)))
    scheduler._plan("demo", datetime(2027, 3, 28, 1, 30, tzinfo=UTC))  # 01:30 GMT, 02:30 BST

    job = scheduler._scheduler.get_job("week:demo")
    assert job.trigger.run_date.astimezone(LONDON) == datetime(2027, 3, 28, 3, 0, tzinfo=LONDON)


def test_a_panel_keeps_the_quiet_hours_of_its_own_zone() -> None:
    berlin = replace(BARNET, timezone="Europe/Berlin")
    scheduler = WeekScheduler(
        [("berlin", berlin, CALENDAR)], _nothing_step, FakeClock(at(12, 1, 12))
    )
    scheduler._plan("berlin", datetime(2027, 3, 28, 0, 30, tzinfo=UTC))  # 01:30 in Berlin

    job = scheduler._scheduler.get_job("week:berlin")
    assert job.trigger.run_date.astimezone(BERLIN) == datetime(2027, 3, 28, 3, 0, tzinfo=BERLIN)


async def test_a_sweep_for_a_panel_elsewhere_keeps_that_panels_wall_clock_time() -> None:
    scheduler = WeekScheduler([], _nothing_step, FakeClock(at(12, 1, 12)))
    scheduler.every("follow-up:berlin", _nothing, zone=BERLIN, hour=7, minute=30)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("follow-up:berlin")
        winter = job.trigger.get_next_fire_time(None, datetime(2027, 1, 4, 12, tzinfo=UTC))
        assert winter.astimezone(UTC) == datetime(2027, 1, 5, 6, 30, tzinfo=UTC)  # 07:30 CET
    finally:
        scheduler.shutdown()


async def _nothing() -> None:
    return None


async def _nothing_step(panel_id: str) -> None:
    return None
