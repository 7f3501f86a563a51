from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.bank_holidays import bank_holidays
from panel.calendar import Period, Unit, WorkingCalendar, add_months
from panel.errors import InvalidInput
from panel.policy import Region

ENGLAND = WorkingCalendar(bank_holidays(Region.ENGLAND_AND_WALES))
days = st.dates(min_value=date(2021, 1, 1), max_value=date(2039, 12, 31))


def test_two_working_days_after_23_december_2026_is_29_december(england: WorkingCalendar) -> None:
    # 24th open; 25th Christmas; weekend; 28th Boxing Day (substitute); 29th.
    assert england.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    assert england.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)


def test_easter_2027_closes_good_friday_and_easter_monday(england: WorkingCalendar) -> None:
    assert not england.is_working_day(date(2027, 3, 26))
    assert not england.is_working_day(date(2027, 3, 29))
    assert england.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert england.working_days_between(date(2027, 3, 24), date(2027, 3, 31)) == 3


def test_the_may_2027_bank_holidays_are_closed(england: WorkingCalendar) -> None:
    assert not england.is_working_day(date(2027, 5, 3))
    assert not england.is_working_day(date(2027, 5, 31))
    assert england.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 4)
    assert england.add_working_days(date(2027, 5, 28), 1) == date(2027, 6, 1)


def test_st_andrews_day_is_closed_in_scotland_but_not_in_england(
    england: WorkingCalendar, scotland: WorkingCalendar
) -> None:
    st_andrews = date(2027, 11, 30)  # a Tuesday
    assert not scotland.is_working_day(st_andrews)
    assert england.is_working_day(st_andrews)
    assert scotland.add_working_days(date(2027, 11, 29), 1) == date(2027, 12, 1)


def test_scotland_keeps_2_january_and_the_first_monday_of_august(
    england: WorkingCalendar, scotland: WorkingCalendar
) -> None:
    assert not scotland.is_working_day(date(2027, 8, 2))
    assert england.is_working_day(date(2027, 8, 2))
    assert not england.is_working_day(date(2027, 8, 30))
    assert scotland.is_working_day(date(2027, 8, 30))


def test_northern_ireland_closes_for_st_patricks_day() -> None:
    northern_ireland = WorkingCalendar(bank_holidays(Region.NORTHERN_IRELAND))
    assert not northern_ireland.is_working_day(date(2027, 3, 17))
    assert ENGLAND.is_working_day(date(2027, 3, 17))


def test_a_local_closure_day_is_not_a_working_day() -> None:
    closed = WorkingCalendar(bank_holidays(Region.ENGLAND_AND_WALES), [date(2026, 12, 24)])
    assert closed.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 29)


def test_a_deadline_in_weeks_that_lands_on_a_bank_holiday_moves_to_the_next_working_day() -> None:
    # 6 weeks after Monday 19 April 2027 is the Spring bank holiday, Monday 31 May.
    assert ENGLAND.due_date(date(2027, 4, 19), Period(6, Unit.WEEKS)) == date(2027, 6, 1)


def test_a_deadline_in_months_is_clamped_to_the_end_of_a_short_month() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    # 3 months after 27 September 2027 is Sunday 27 December, then two substitute holidays.
    assert ENGLAND.due_date(date(2027, 9, 27), Period(3, Unit.MONTHS)) == date(2027, 12, 29)


def test_a_negative_timescale_is_refused() -> None:
    with pytest.raises(InvalidInput, match="negative"):
        Period(-1, Unit.WORKING_DAYS)


@given(days, st.integers(min_value=-300, max_value=300))
def test_working_days_between_undoes_add_working_days(start: date, n: int) -> None:
    assert ENGLAND.working_days_between(start, ENGLAND.add_working_days(start, n)) == n


@given(days, st.integers(min_value=1, max_value=300))
def test_adding_working_days_always_lands_on_a_working_day_moving_forward(
    start: date, n: int
) -> None:
    end = ENGLAND.add_working_days(start, n)
    assert ENGLAND.is_working_day(end)
    assert end > start
    assert ENGLAND.add_working_days(start, n + 1) > end


@given(days, st.integers(min_value=0, max_value=60), st.sampled_from(list(Unit)))
def test_every_due_date_is_a_working_day_on_or_after_the_start(
    start: date, amount: int, unit: Unit
) -> None:
    due = ENGLAND.due_date(start, Period(amount, unit))
    assert due >= start
    if amount:
        assert ENGLAND.is_working_day(due)


@given(days)
def test_on_or_after_returns_the_first_open_day(d: date) -> None:
    opened = ENGLAND.on_or_after(d)
    assert ENGLAND.is_working_day(opened)
    assert all(not ENGLAND.is_working_day(d + timedelta(days=i)) for i in range((opened - d).days))


@given(days, days)
def test_working_days_between_counts_the_open_days_one_by_one(a: date, b: date) -> None:
    """The counting shortcut agrees with walking the days, in either direction."""
    lo, hi = min(a, b), max(a, b)
    walked = sum(ENGLAND.is_working_day(lo + timedelta(days=k + 1)) for k in range((hi - lo).days))

    assert ENGLAND.working_days_between(lo, hi) == walked
    assert ENGLAND.working_days_between(hi, lo) == -sum(
        ENGLAND.is_working_day(lo + timedelta(days=k)) for k in range((hi - lo).days)
    )
