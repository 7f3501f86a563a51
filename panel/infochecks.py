"""Agencies' information checks per case, their capacity, and the chair's readiness grid."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from panel.errors import InvalidInput

MAX_CAPACITY = 50


class Known(Enum):
    KNOWN = "known"
    NOT_KNOWN = "not-known"
    CHECKING = "checking"


@dataclass(frozen=True)
class InfoCheck:
    case_id: str
    agency: str
    known: Known
    information: str
    could_lead: bool
    answered_by: str
    answered_at: datetime
    late: bool = False


@dataclass(frozen=True)
class AnswerLine:
    """One agency's information check as the case card and the chair's papers show it: who
    answered and when are left out."""

    agency: str
    known: Known
    information: str
    could_lead: bool
    late: bool


def answers_to(answers: Iterable[InfoCheck], case_id: str) -> tuple[AnswerLine, ...]:
    """The answers given on one case, by agency."""
    return tuple(
        AnswerLine(a.agency, a.known, a.information, a.could_lead, a.late)
        for a in sorted(answers, key=lambda a: a.agency)
        if a.case_id == case_id
    )


def check_information(text: str, limit: int) -> str:
    """Trimmed information text, refused when over the policy's limit.

    The text is kept exactly as typed: cards show it literally, never as markdown.
    """
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"What you can share is limited to {limit} characters.")
    return text


def check_capacity(value: int) -> int:
    if isinstance(value, bool) or not 0 <= value <= MAX_CAPACITY:
        raise InvalidInput(f"Capacity must be a whole number from 0 to {MAX_CAPACITY}.")
    return value


class Cell(Enum):
    MISSING = "missing"
    KNOWN = "known"
    NOT_KNOWN = "not-known"
    CHECKING = "checking"


@dataclass(frozen=True)
class ReadinessGrid:
    """Case × agency: who has answered what. Shows no case detail, only ids and states."""

    case_ids: tuple[str, ...]
    agencies: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    offers_to_lead: Mapping[str, tuple[str, ...]]
    capacity: Mapping[str, int]

    @classmethod
    def build(
        cls,
        case_ids: Sequence[str],
        agencies: Iterable[str],
        answers: Iterable[InfoCheck],
        capacity: Mapping[str, int],
    ) -> ReadinessGrid:
        agency_list = tuple(sorted(set(agencies)))
        cells = {(c, a): Cell.MISSING for c in case_ids for a in agency_list}
        offers: dict[str, list[str]] = {c: [] for c in case_ids}
        for answer in answers:
            key = (answer.case_id, answer.agency)
            if key in cells:
                cells[key] = Cell(answer.known.value)
                if answer.could_lead:
                    offers[answer.case_id].append(answer.agency)
        return cls(
            tuple(case_ids),
            agency_list,
            cells,
            {c: tuple(sorted(a)) for c, a in offers.items()},
            dict(capacity),
        )

    def missing_for(self, agency: str) -> tuple[str, ...]:
        """Cases this agency has not answered."""
        return tuple(c for c in self.case_ids if self.cells[(c, agency)] is Cell.MISSING)

    def agencies_missing(self) -> tuple[str, ...]:
        """Agencies with at least one unanswered case or no capacity figure."""
        return tuple(a for a in self.agencies if self.missing_for(a) or a not in self.capacity)

    @property
    def complete(self) -> bool:
        return not self.agencies_missing()

    def answered(self) -> int:
        """Information checks answered (still checking counts: the agency has replied)."""
        return sum(1 for cell in self.cells.values() if cell is not Cell.MISSING)

    def answered_share(self) -> float:
        if not self.cells:
            return 1.0
        done = sum(1 for cell in self.cells.values() if cell is not Cell.MISSING)
        return done / len(self.cells)
