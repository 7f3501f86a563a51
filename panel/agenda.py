"""Building a panel's agenda at the cut-off: sections in order, a cap per locality, overflow."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from panel.calendar import long_date
from panel.policy import Policy, Section


@dataclass(frozen=True)
class Candidate:
    case_id: str
    locality: str
    section: Section
    waiting_since: datetime
    times_rolled_over: int = 0


@dataclass(frozen=True)
class AgendaItem:
    number: int
    case_id: str
    section: Section
    locality: str


@dataclass(frozen=True)
class Overflow:
    case_id: str
    locality: str
    reason: str  # plain words with no child data: it goes to the referrer and the audit


@dataclass(frozen=True)
class Agenda:
    items: tuple[AgendaItem, ...]
    overflow: tuple[Overflow, ...]

    def item_for(self, case_id: str) -> AgendaItem | None:
        return next((i for i in self.items if i.case_id == case_id), None)

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(i.case_id for i in self.items)


def build_agenda(candidates: Sequence[Candidate], policy: Policy, panel_date: date) -> Agenda:
    """Choose and order the cases for one sitting.

    Within a locality, cases already rolled over come first (a family bumped once should not be
    bumped again), then the policy's section order, then the longest wait. The chosen cases are
    numbered in section order across localities; the rest roll to the next panel with a reason.
    """
    order = {section: i for i, section in enumerate(policy.sections)}

    def priority(c: Candidate) -> tuple[int, int, datetime, str]:
        return (-c.times_rolled_over, order.get(c.section, len(order)), c.waiting_since, c.case_id)

    by_locality: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_locality[candidate.locality].append(candidate)

    chosen: list[Candidate] = []
    overflow: list[Overflow] = []
    limit = policy.max_cases_per_locality
    for locality in sorted(by_locality):
        ranked = sorted(by_locality[locality], key=priority)
        cut = len(ranked) if limit is None else limit
        chosen.extend(ranked[:cut])
        reason = (
            f"The {locality} list for the panel on {long_date(panel_date)} was full "
            f"({limit} cases is this panel's maximum per locality); moved to the next panel."
        )
        overflow.extend(Overflow(c.case_id, locality, reason) for c in ranked[cut:])

    locality_rank = {loc: i for i, loc in enumerate(policy.localities)}
    chosen.sort(
        key=lambda c: (
            order.get(c.section, len(order)),
            locality_rank.get(c.locality, len(locality_rank)),
            c.locality,
            -c.times_rolled_over,
            c.waiting_since,
            c.case_id,
        )
    )
    items = tuple(
        AgendaItem(number, c.case_id, c.section, c.locality)
        for number, c in enumerate(chosen, start=1)
    )
    return Agenda(items, tuple(overflow))
