"""The lead practitioner: the named person who holds a case for its lead agency (issue 16).

The panel allocates a case to an agency; the agency then names the practitioner who leads it,
and the lead role can be handed over later, to another practitioner of the same agency or of
another (Barnet 001 §6: the lead may move «to community-based professional at point of review
where required»), always with a reason. The history is kept: who held it, from when, why it
moved, and who recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from panel.errors import InvalidInput
from panel.policy import Policy
from panel.roster import Member

MAX_HANDOVER_REASON = 500


@dataclass(frozen=True)
class Handover:
    """The lead role given to a practitioner: first named (no reason), or handed over (why)."""

    to_person: str
    to_agency: str
    on: date
    by: str  # person id of whoever recorded it
    reason: str = ""


@dataclass(frozen=True)
class LeadRole:
    history: tuple[Handover, ...]

    @property
    def practitioner(self) -> str:
        return self.history[-1].to_person

    @property
    def agency(self) -> str:
        return self.history[-1].to_agency


def caseload_limit(policy: Policy, member: Member) -> int | None:
    """The most families this person leads on the panel: their kind's limit, pro rata
    (Barnet 001 §25.2: «a maximum of LP role for 15 families»); None when no limit is set."""
    limit = policy.caseload_limits.get(member.caseload)
    if limit is None:
        return None
    return max(1, limit * member.caseload_percent // 100)


def name_lead(current: LeadRole | None, handover: Handover) -> LeadRole:
    """The first practitioner named for the case."""
    if current is not None:
        raise InvalidInput("This case has a lead practitioner already: hand it over instead.")
    return LeadRole((handover,))


def hand_over(current: LeadRole | None, handover: Handover) -> LeadRole:
    """The lead role to someone else, with the reason."""
    if current is None:
        raise InvalidInput("Name the case's first lead practitioner before handing it over.")
    if handover.to_person == current.practitioner:
        raise InvalidInput("That practitioner leads the case already.")
    reason = handover.reason.strip()
    if not reason or len(reason) > MAX_HANDOVER_REASON:
        raise InvalidInput(
            f"Say why the lead role moves, in 1 to {MAX_HANDOVER_REASON} characters: both "
            "sides and the chair are told."
        )
    return LeadRole((*current.history, handover))
