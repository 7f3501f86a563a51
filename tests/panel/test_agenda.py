from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from panel.agenda import Candidate, build_agenda
from panel.policy import Section
from panel.presets import BARNET, LEICESTER

PANEL = date(2027, 1, 12)
T0 = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def candidate(n: int, locality: str, section: Section, rolled: int = 0) -> Candidate:
    return Candidate(f"case-{n:02d}", locality, section, T0 + timedelta(hours=n), rolled)


def test_at_most_five_cases_per_locality_and_the_rest_roll_over_with_a_reason() -> None:
    candidates = [candidate(n, "South", Section.NEW_REFERRAL) for n in range(7)]
    agenda = build_agenda(candidates, BARNET, PANEL)
    assert [i.case_id for i in agenda.items] == [f"case-{n:02d}" for n in range(5)]
    assert [o.case_id for o in agenda.overflow] == ["case-05", "case-06"]
    assert (
        "South list for the panel on Tuesday 12 January 2027 was full" in agenda.overflow[0].reason
    )
    assert "5 cases" in agenda.overflow[0].reason


def test_the_cap_is_per_locality_not_per_panel() -> None:
    candidates = [
        candidate(n, loc, Section.NEW_REFERRAL) for n in range(5) for loc in ("South", "West")
    ]
    agenda = build_agenda(candidates, BARNET, PANEL)
    assert len(agenda.items) == 10
    assert agenda.overflow == ()


def test_sections_come_in_policy_order_and_are_numbered_from_one() -> None:
    candidates = [
        candidate(1, "West", Section.STUCK),
        candidate(2, "South", Section.STEP_DOWN),
        candidate(3, "South", Section.REVIEW),
        candidate(4, "West", Section.NEW_REFERRAL),
    ]
    agenda = build_agenda(candidates, BARNET, PANEL)
    assert [i.section for i in agenda.items] == [
        Section.NEW_REFERRAL,
        Section.REVIEW,
        Section.STEP_DOWN,
        Section.STUCK,
    ]
    assert [i.number for i in agenda.items] == [1, 2, 3, 4]
    leicester = build_agenda(candidates, LEICESTER, PANEL)
    assert leicester.items[0].section is Section.STUCK


def test_a_case_already_rolled_over_is_not_bumped_again() -> None:
    candidates = [candidate(n, "East/Central", Section.NEW_REFERRAL) for n in range(5)]
    candidates.append(candidate(9, "East/Central", Section.STUCK, rolled=1))
    agenda = build_agenda(candidates, BARNET, PANEL)
    assert "case-09" in agenda.case_ids
    assert [o.case_id for o in agenda.overflow] == ["case-04"]


def test_without_a_cap_every_waiting_case_is_listed() -> None:
    uncapped = dataclasses.replace(BARNET, max_cases_per_locality=None)
    candidates = [candidate(n, "South", Section.NEW_REFERRAL) for n in range(12)]
    assert len(build_agenda(candidates, uncapped, PANEL).items) == 12


def test_the_same_candidates_always_give_the_same_agenda() -> None:
    candidates = [candidate(n, ("South", "West")[n % 2], list(Section)[n % 4]) for n in range(14)]
    first = build_agenda(candidates, BARNET, PANEL)
    assert build_agenda(list(reversed(candidates)), BARNET, PANEL) == first
