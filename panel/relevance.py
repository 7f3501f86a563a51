"""Nothing queued outlives its reason (docs/safeguards.md §11).

A message about a sitting or a case carries what it depends on (`QueuedFor`: ids and states,
never case data). Just before sending, the delivery worker asks `still_due`; a message whose
reason has gone (the sitting closed or moved on, the case withdrawn, the vote closed, the
person no longer on the panel) is dropped and recorded as cancelled, never sent. A message
about several cases (the circulation pack) loses only the cases that have gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from panel.errors import NotFound
from panel.lifecycle import Status
from panel.meeting import MeetingStatus

if TYPE_CHECKING:  # panel.ports imports this module for QueuedFor
    from panel.ports import PanelDirectory

# The sitting states in which each kind of message still makes sense.
BEFORE_THE_PANEL = frozenset({MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION})
ANSWERING = frozenset({MeetingStatus.CIRCULATED})
SITTING = frozenset({MeetingStatus.IN_SESSION})


@dataclass(frozen=True)
class QueuedFor:
    """What a queued message depends on. Ids and states only: it is stored in the clear."""

    panel_id: str
    meeting_id: str | None = None
    # The sitting must be in one of these states (empty: any state, as long as it exists).
    sitting: frozenset[MeetingStatus] = frozenset()
    # With a sitting: each must still be on its agenda. Without: each must not be withdrawn.
    case_ids: tuple[str, ...] = ()
    round_id: str | None = None  # the vote must still be open
    # Each case must be in one of these states (empty: any but withdrawn).
    case_states: frozenset[Status] = frozenset()

    def to_json(self) -> dict[str, object]:
        return {
            "panel": self.panel_id,
            "meeting": self.meeting_id,
            "sitting": sorted(s.value for s in self.sitting),
            "cases": list(self.case_ids),
            "round": self.round_id,
            "case_states": sorted(s.value for s in self.case_states),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> QueuedFor:
        meeting, round_id = data.get("meeting"), data.get("round")
        return cls(
            str(data.get("panel") or ""),
            str(meeting) if meeting else None,
            frozenset(MeetingStatus(str(s)) for s in _list(data, "sitting")),
            tuple(str(c) for c in _list(data, "cases")),
            str(round_id) if round_id else None,
            frozenset(Status(str(s)) for s in _list(data, "case_states")),
        )


def _list(data: Mapping[str, object], key: str) -> list[object]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise ValueError("A queued message's reason is not in the expected shape.")
    return value


@dataclass(frozen=True)
class Facts:
    """How things stand now for one queued message, as storage reads them."""

    sitting: MeetingStatus | None = None  # None: no such sitting (or none asked about)
    on_agenda: frozenset[str] = frozenset()  # of the cases asked about
    statuses: Mapping[str, Status] = field(default_factory=dict)  # none for an erased case
    round_open: bool = False


class FactsSource(Protocol):
    async def facts(self, queued_for: QueuedFor) -> Facts: ...


@dataclass(frozen=True)
class Verdict:
    """Send the message (`cancel` empty), without `drop_cases` if any; or drop it, and why."""

    cancel: str = ""
    drop_cases: frozenset[str] = frozenset()


def verdict(queued_for: QueuedFor, facts: Facts) -> Verdict:
    """The rule for the sitting, cases and vote: which reason has gone, if any. The reason is
    plain words with no case data, for the outbox row and business support."""
    if queued_for.meeting_id is not None:
        if facts.sitting is None:
            return Verdict("the sitting no longer exists")
        if queued_for.sitting and facts.sitting not in queued_for.sitting:
            return Verdict(f"the sitting has moved on (it is {facts.sitting.value})")
        gone = frozenset(c for c in queued_for.case_ids if c not in facts.on_agenda)
    else:
        wanted = queued_for.case_states
        gone = frozenset(
            c
            for c in queued_for.case_ids
            if (status := facts.statuses.get(c)) is None
            or status is Status.WITHDRAWN
            or (wanted and status not in wanted)
        )
    if queued_for.round_id is not None and not facts.round_open:
        return Verdict("the vote has closed")
    if gone and gone >= set(queued_for.case_ids):
        return Verdict("the case has moved on (withdrawn, closed or no longer on the agenda)")
    return Verdict(drop_cases=gone)


def on_panel(panels: PanelDirectory, panel_id: str, person_id: str | None) -> bool:
    """Whether the person is still on the panel's roster (a member in any role, or the
    manager named for one); True for a message to the panel's channel (no person)."""
    if person_id is None:
        return True
    try:
        panel = panels.get(panel_id)
    except NotFound:
        return False
    return panel.find(person_id) is not None or any(
        m.manager_id == person_id for m in panel.members
    )


async def still_due(
    panels: PanelDirectory, source: FactsSource, person_id: str | None, queued_for: QueuedFor
) -> Verdict:
    """Whether a queued message may still be sent to `person_id` (None: the channel)."""
    if not on_panel(panels, queued_for.panel_id, person_id):
        return Verdict("the person is no longer on the panel")
    return verdict(queued_for, await source.facts(queued_for))
