"""Counts read as people write them."""

from __future__ import annotations

from panel.words import plural


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(15, "case") == "15 cases"


def test_an_irregular_plural_is_given() -> None:
    assert plural(1, "agency", "agencies") == "1 agency"
    assert plural(3, "agency", "agencies") == "3 agencies"
