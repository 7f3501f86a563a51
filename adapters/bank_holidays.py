"""UK bank holidays from the `holidays` package, as plain dates for `WorkingCalendar`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays

from panel.calendar import WorkingCalendar
from panel.policy import Policy, Region

# The package's subdivision codes for the three bank-holiday regions (Wales shares England's).
_SUBDIVISION = {
    Region.ENGLAND_AND_WALES: "ENG",
    Region.SCOTLAND: "SCT",
    Region.NORTHERN_IRELAND: "NIR",
}
# Enough years either side of today for every deadline the bot computes, fixed so that the
# calendar does not depend on the day the process started.
DEFAULT_YEARS = range(2020, 2041)


def bank_holidays(region: Region, years: Iterable[int] = DEFAULT_YEARS) -> frozenset[date]:
    table = holidays.country_holidays("GB", subdiv=_SUBDIVISION[region], years=list(years))
    return frozenset(table.keys())


def calendar_for(
    policy: Policy, closures: Iterable[date] = (), years: Iterable[int] = DEFAULT_YEARS
) -> WorkingCalendar:
    """The working calendar for a panel: its region's bank holidays plus its local closures."""
    return WorkingCalendar(bank_holidays(policy.region, years), closures)
