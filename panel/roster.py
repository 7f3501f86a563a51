"""Who belongs to a panel and in which roles. Identity comes from the authenticated activity;
this decides what that identity may do (deny by default)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from panel.calendar import WorkingCalendar
from panel.errors import NotPermitted
from panel.policy import Policy


class Role(Enum):
    CHAIR = "chair"
    BUSINESS_SUPPORT = "business-support"
    MEMBER = "member"
    PRACTITIONER = "practitioner"
    MANAGER = "manager"  # an agency's team manager: its practitioners' cases, and their caseloads
    ADMIN = "admin"


@dataclass(frozen=True)
class Member:
    person_id: str  # the Entra ID (AAD) object id
    name: str
    roles: frozenset[Role]
    agency: str | None = None
    deputy_of: str | None = None  # person_id of the member this person deputises for
    email: str = ""
    has_teams: bool = True
    manager_id: str | None = None  # practitioners: who hears about overdue milestones
    caseload: str = ""  # the kind of lead, as the policy's caseload_limits name it
    caseload_percent: int = 100  # of full time: the limit is pro rata


@dataclass(frozen=True)
class Panel:
    id: str
    name: str
    policy: Policy
    calendar: WorkingCalendar
    agencies: frozenset[str]
    members: tuple[Member, ...]
    tenant_id: str = ""  # the Entra ID tenant the panel's people sign in from

    def find(self, person_id: str) -> Member | None:
        return next((m for m in self.members if m.person_id == person_id), None)

    def name_of(self, person_id: str, missing: str = "someone no longer on the panel") -> str:
        """The person's name, or `missing` for someone since taken off the roster."""
        member = self.find(person_id)
        return member.name if member is not None else missing

    def require(self, person_id: str, *roles: Role) -> Member:
        """The member, if they hold one of `roles` on this panel; otherwise refuse."""
        member = self.find(person_id)
        if member is None:
            raise NotPermitted("You are not on this panel's roster.")
        if roles and not member.roles & set(roles):
            wanted = " or ".join(r.value.replace("-", " ") for r in roles)
            raise NotPermitted(f"Only the {wanted} can do that.")
        return member

    def with_role(self, *roles: Role) -> tuple[Member, ...]:
        """Everyone holding any of `roles`, once each."""
        return tuple(m for m in self.members if m.roles & set(roles))

    def member_agencies(self) -> frozenset[str]:
        """The agencies that members speak for: those expected to answer each case."""
        return frozenset(a for m in self.with_role(Role.MEMBER) if (a := self.agency_of(m)))

    def agency_of(self, member: Member) -> str | None:
        """The agency a person speaks for: their own, or that of the member they deputise for."""
        if member.agency:
            return member.agency
        if member.deputy_of:
            principal = self.find(member.deputy_of)
            return principal.agency if principal else None
        return None

    def members_of(self, agency: str) -> tuple[Member, ...]:
        return tuple(
            m for m in self.members if Role.MEMBER in m.roles and self.agency_of(m) == agency
        )
