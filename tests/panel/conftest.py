from __future__ import annotations

import pytest

from adapters.bank_holidays import bank_holidays
from panel.calendar import WorkingCalendar
from panel.policy import Region


@pytest.fixture(scope="session")
def england() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays(Region.ENGLAND_AND_WALES))


@pytest.fixture(scope="session")
def scotland() -> WorkingCalendar:
    return WorkingCalendar(bank_holidays(Region.SCOTLAND))
