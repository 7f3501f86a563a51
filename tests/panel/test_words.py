"""Counts and dates read as people write them."""

from __future__ import annotations

from datetime import date

from panel.words import date_of_birth, plural


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(15, "case") == "15 cases"


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "agency", "agencies") == "1 agency"
    assert plural(3, "agency", "agencies") == "3 agencies"


def test_a_date_of_birth_is_written_out_with_the_childs_age_on_the_panels_date() -> None:
    panel = date(2026, 12, 8)

    assert date_of_birth("2019-02-03", panel) == "3 February 2019 (age 7)"
    assert date_of_birth("2019-12-09", panel) == "9 December 2019 (age 6)"  # the day before
    assert date_of_birth("2025-06-20", panel) == "20 June 2025 (age 17 months)"
    assert date_of_birth("2026-11-08", panel) == "8 November 2026 (age 1 month)"
    assert date_of_birth("2026-11-20", panel) == "20 November 2026 (under a month old)"
    assert date_of_birth("", panel) == "unborn"
    assert date_of_birth("2019-02-03", None) == "3 February 2019"
