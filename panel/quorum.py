"""Who is at the panel, for which agency, and whether the panel is quorate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from panel.policy import Policy, QuorumBasis
from panel.words import plural


class Presence(Enum):
    PRESENT = "present"
    DEPUTY = "deputy"  # attending for an agency in place of its member
    APOLOGIES = "apologies"


@dataclass(frozen=True)
class Attendance:
    person_id: str
    agency: str
    presence: Presence
    accepted_statement: bool

    @property
    def counts(self) -> bool:
        """Present (in person or as deputy) and bound by the confidentiality statement."""
        return self.presence is not Presence.APOLOGIES and self.accepted_statement


@dataclass(frozen=True)
class QuorumStatus:
    quorate: bool
    present: int
    required: int
    basis: QuorumBasis
    missing_key_agencies: tuple[str, ...]

    def line(self) -> str:
        """The live quorum line shown to the panel."""
        key = "key " if self.basis is QuorumBasis.KEY_MEMBERS else ""
        state = "Quorate" if self.quorate else "Not quorate"
        present = plural(self.present, f"{key}agency", f"{key}agencies")
        return f"{state}: {present} present ({self.required} needed)."


def agencies_present(attendance: Iterable[Attendance]) -> frozenset[str]:
    return frozenset(a.agency for a in attendance if a.counts)


def quorum(policy: Policy, attendance: Iterable[Attendance]) -> QuorumStatus:
    present = agencies_present(attendance)
    if policy.quorum_basis is QuorumBasis.KEY_MEMBERS:
        counted = present & policy.key_agencies
    else:
        counted = present
    return QuorumStatus(
        quorate=len(counted) >= policy.quorum_minimum,
        present=len(counted),
        required=policy.quorum_minimum,
        basis=policy.quorum_basis,
        missing_key_agencies=tuple(sorted(policy.key_agencies - present)),
    )
