"""Words as people write them: "1 case", "2 cases", never "case(s)"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date


def plural(count: int, one: str, many: str = "") -> str:
    """The count and the noun that agrees with it; `many` when the plural is not `one` + "s"
    ("agency", "agencies")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def age(born: date, on: date) -> str:
    """A child's age as a practitioner says it: "age 7", "age 14 months", "under a month"."""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if years >= 2:
        return f"age {years}"
    months = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)
    return f"age {plural(months, 'month')}" if months >= 1 else "under a month old"


def date_of_birth(iso: str, on: date | None) -> str:
    """ "3 February 2019 (age 7)" from a stored ISO date, the age as at `on` (the panel's
    date); "unborn" when the form left it empty, as it asks for an unborn child."""
    if not iso:
        return "unborn"
    try:
        born = date.fromisoformat(iso)
    except ValueError:
        return iso
    written = f"{born.day} {born:%B %Y}"
    return f"{written} ({age(born, on)})" if on is not None and on >= born else written


def and_list(names: Sequence[str]) -> str:
    """ "Health", "Health and Schools", "Health, Police and Schools"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
