from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from panel.calendar import WorkingCalendar
from panel.errors import InvalidInput
from panel.policy import Cadence, ClosedPanelDay
from panel.presets import BARNET, CAMDEN, LEICESTER
from panel.timeline import Timeline

LONDON = ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_barnet_freezes_wednesday_midday_and_meets_the_following_tuesday(
    england: WorkingCalendar,
) -> None:
    schedule = Timeline(BARNET, england).next_panel(at(2027, 1, 11, 9, 0))
    assert schedule.starts_at == at(2027, 1, 12, 9, 30)
    assert schedule.cutoff_at == at(2027, 1, 6, 12, 0)
    assert schedule.circulation_at == at(2027, 1, 6, 14, 0)
    assert england.working_days_between(date(2027, 1, 6), date(2027, 1, 12)) == 4
    assert schedule.breaks_at == ((at(2027, 1, 12, 11, 0), at(2027, 1, 12, 11, 15)),)


def test_a_listing_after_the_cut_off_goes_to_the_panel_after_next(
    england: WorkingCalendar,
) -> None:
    timeline = Timeline(BARNET, england)
    assert timeline.next_open_for_listing(at(2027, 1, 6, 11, 59)).panel_date == date(2027, 1, 12)
    assert timeline.next_open_for_listing(at(2027, 1, 6, 12, 0)).panel_date == date(2027, 1, 19)


def test_wall_clock_times_hold_across_the_march_2027_clock_change(
    england: WorkingCalendar,
) -> None:
    # Clocks go forward on Sunday 28 March 2027. Cut-off is in GMT, the panel in BST; Easter
    # Monday (29th) also sits between them.
    schedule = Timeline(BARNET, england).next_panel(at(2027, 3, 24, 13, 0))
    assert schedule.panel_date == date(2027, 3, 30)
    assert schedule.starts_at.astimezone(UTC) == datetime(2027, 3, 30, 8, 30, tzinfo=UTC)
    assert schedule.starts_at.time() == time(9, 30)
    # "4 working days to collate information" is kept: counting back from Tuesday 30 March
    # over Easter Monday and Good Friday puts the cut-off on Monday 22 March, not Wednesday.
    assert schedule.cutoff_at == at(2027, 3, 22, 12, 0)
    assert schedule.cutoff_at.astimezone(UTC).hour == 12


def test_wall_clock_times_hold_across_the_october_2027_clock_change(
    england: WorkingCalendar,
) -> None:
    # Clocks go back on Sunday 31 October 2027: cut-off in BST, panel in GMT.
    schedule = Timeline(BARNET, england).next_panel(at(2027, 10, 28, 9, 0))
    assert schedule.panel_date == date(2027, 11, 2)
    assert schedule.cutoff_at.astimezone(UTC) == datetime(2027, 10, 27, 11, 0, tzinfo=UTC)
    assert schedule.starts_at.astimezone(UTC) == datetime(2027, 11, 2, 9, 30, tzinfo=UTC)


def test_a_time_in_the_spring_gap_lands_after_the_gap(england: WorkingCalendar) -> None:
    sunday_panel = dataclasses.replace(
        BARNET, weekday=6, meeting_time=time(1, 30), on_closed_day=ClosedPanelDay.SKIP
    )
    timeline = Timeline(sunday_panel, WorkingCalendar())
    start = timeline.schedule_for(date(2027, 3, 28)).starts_at
    assert start.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert start.time() == time(2, 30)


def test_a_panel_day_that_is_a_bank_holiday_moves_to_the_next_working_day(
    england: WorkingCalendar,
) -> None:
    monday_panel = dataclasses.replace(BARNET, weekday=0)
    schedule = Timeline(monday_panel, england).next_panel(at(2027, 5, 28, 9, 0))
    assert schedule.panel_date == date(2027, 6, 1)  # Spring bank holiday, 31 May


def test_christmas_2026_moves_a_friday_panel_and_skips_if_told(
    england: WorkingCalendar,
) -> None:
    friday = dataclasses.replace(BARNET, weekday=4)
    dates = list(
        zip(range(3), Timeline(friday, england).panel_dates(date(2026, 12, 21)), strict=False)
    )
    assert [d for _, d in dates] == [date(2026, 12, 29), date(2027, 1, 4), date(2027, 1, 8)]
    skipping = dataclasses.replace(friday, on_closed_day=ClosedPanelDay.SKIP)
    first = next(Timeline(skipping, england).panel_dates(date(2026, 12, 21)))
    assert first == date(2027, 1, 8)


def test_leicester_meets_monthly_on_the_second_thursday(england: WorkingCalendar) -> None:
    timeline = Timeline(LEICESTER, england)
    dates = []
    for schedule in timeline.schedules(at(2027, 1, 1, 0, 0)):
        dates.append(schedule.panel_date)
        if len(dates) == 4:
            break
    assert dates == [date(2027, 1, 14), date(2027, 2, 11), date(2027, 3, 11), date(2027, 4, 8)]
    assert all(d.weekday() == 3 for d in dates)


def test_camden_circulates_by_13_30_the_working_day_before(england: WorkingCalendar) -> None:
    schedule = Timeline(CAMDEN, england).next_panel(at(2027, 4, 1, 0, 0))
    assert schedule.panel_date == date(2027, 4, 1)
    assert schedule.circulation_at == at(2027, 3, 31, 13, 30)
    # A Thursday panel after Easter Monday still circulates the day before.
    after_easter = Timeline(CAMDEN, england).next_panel(at(2027, 4, 2, 0, 0))
    assert after_easter.circulation_at == at(2027, 4, 7, 13, 30)


def test_fortnightly_panels_alternate_weeks(england: WorkingCalendar) -> None:
    fortnightly = dataclasses.replace(BARNET, cadence=Cadence.FORTNIGHTLY)
    dates = Timeline(fortnightly, england).panel_dates(date(2027, 1, 4))
    first, second = next(dates), next(dates)
    assert second - first == timedelta(weeks=2)


def test_reminders_come_before_the_info_check_deadline_and_after_circulation(
    england: WorkingCalendar,
) -> None:
    schedule = Timeline(BARNET, england).next_panel(at(2027, 2, 1, 0, 0))
    assert all(schedule.circulation_at < r < schedule.starts_at for r in schedule.reminders_at)
    assert schedule.info_check_deadline_at < schedule.starts_at


def test_a_naive_time_is_refused(england: WorkingCalendar) -> None:
    with pytest.raises(InvalidInput):
        Timeline(BARNET, england).next_panel(datetime(2027, 1, 1, 9, 0))  # noqa: DTZ001
