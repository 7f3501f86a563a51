"""Working days: weekends, bank holidays and local closure days are closed.

Bank holidays arrive as data (see `adapters.bank_holidays`) so this module stays pure and
testable with any set of dates.
"""

from __future__ import annotations

import calendar as _stdcal
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from panel.errors import InvalidInput

SATURDAY = 5


class Unit(Enum):
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True)
class Period:
    """A protocol timescale such as "2 working days", "6 weeks" or "3 months"."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise InvalidInput("A timescale cannot be negative.")

    def __str__(self) -> str:
        words = {Unit.WORKING_DAYS: "working day", Unit.WEEKS: "week", Unit.MONTHS: "month"}
        word = words[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


def add_months(d: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28 Feb)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    last = _stdcal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


class WorkingCalendar:
    """Which days are open. Saturday and Sunday are always closed."""

    def __init__(self, holidays: Iterable[date] = (), closures: Iterable[date] = ()) -> None:
        self._closed: frozenset[date] = frozenset(holidays) | frozenset(closures)
        # Closed weekdays as sorted ordinals, so counting them in a range is two bisections.
        self._closed_weekdays = sorted(d.toordinal() for d in self._closed if d.weekday() < 5)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < SATURDAY and d not in self._closed

    def on_or_after(self, d: date) -> date:
        """`d` if it is a working day, else the next working day."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def on_or_before(self, d: date) -> date:
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it when n < 0); `d` itself is not counted.

        With n == 0 the answer is `d` unchanged, open or not: "within 0 days" is the same day.
        """
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b], or minus those in [b, a) when b < a.

        Either way it is the inverse of `add_working_days`: between(a, add(a, n)) == n.
        """
        # Counted, not walked: the follow-up sweep asks this for every open milestone every
        # day, over spans of months.
        if b < a:
            return -(self._open_through(a.toordinal() - 1) - self._open_through(b.toordinal() - 1))
        return self._open_through(b.toordinal()) - self._open_through(a.toordinal())

    def due_date(self, start: date, period: Period) -> date:
        """When a timescale from `start` falls due; a closed day moves to the next open one."""
        if period.unit is Unit.WORKING_DAYS:
            return self.add_working_days(start, period.amount)
        if period.unit is Unit.WEEKS:
            return self.on_or_after(start + timedelta(weeks=period.amount))
        return self.on_or_after(add_months(start, period.amount))

    def _open_through(self, ordinal: int) -> int:
        """Working days from 1 January of year 1 (a Monday) to the day `ordinal`, inclusive."""
        weeks, rest = divmod(ordinal, 7)
        weekdays = weeks * 5 + min(rest, 5)
        return weekdays - bisect_right(self._closed_weekdays, ordinal)


def long_date(d: date) -> str:
    """ "Tuesday 29 December 2026": the way people write dates in minutes and messages."""
    return f"{d:%A} {d.day} {d:%B %Y}"
