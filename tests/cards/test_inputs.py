"""The one parsing layer for typed input: only what can be used and stored gets through."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import inputs
from panel.errors import InvalidInput


@pytest.mark.parametrize("typed", ["1e999", "inf", "-Infinity", "NaN", "2.5", "²", "٣", "+3", "-0"])
def test_a_whole_number_is_ascii_digits_only(typed: str) -> None:
    with pytest.raises(InvalidInput, match="whole number from 0 to 50"):
        inputs.whole_number({"n": typed}, "n", "Capacity", low=0, high=50)


def test_a_whole_number_in_range_is_taken_and_an_empty_one_is_none() -> None:
    assert inputs.whole_number({"n": " 7 "}, "n", "Capacity", low=0, high=50) == 7
    assert inputs.whole_number({}, "n", "Capacity", low=0, high=50) is None


@pytest.mark.parametrize("typed", ["a\ud800b", "bell\x07", "nul\x00"])
def test_text_that_cannot_be_stored_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be stored"):
        inputs.text({"t": typed}, "t", 100, "The name")


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=50))
def test_any_storable_text_round_trips_through_utf8(typed: str) -> None:
    taken = inputs.text({"t": typed}, "t", 100, "The name")
    assert taken == typed.strip()
    assert taken.encode("utf-8").decode("utf-8") == taken


def test_line_breaks_and_tabs_are_kept() -> None:
    assert inputs.text({"t": "one\n\ttwo"}, "t", 100, "The text") == "one\n\ttwo"


def test_a_date_is_iso_or_refused_plainly() -> None:
    assert inputs.day({"d": "2026-12-08"}, "d", "The date") == date(2026, 12, 8)
    with pytest.raises(InvalidInput, match="must be a date"):
        inputs.day({"d": "8/12/2026"}, "d", "The date")
