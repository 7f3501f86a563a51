"""Naming the lead practitioner and handing the lead role over (issue 16, item 2).

After allocation the lead agency (its members or managers, or staff) names the practitioner
who leads the case: they get the allocation with its dates, and from then on the nudges for
the lead's milestones. The role can be handed over, with a reason, to a practitioner of the
same agency or another; the old and new practitioners and the chairs are told.
"""

from __future__ import annotations

from dataclasses import dataclass

from panel.calendar import long_date
from panel.cases import Case
from panel.errors import InvalidInput, NotPermitted
from panel.leads import Handover, caseload_limit, hand_over, name_lead
from panel.lifecycle import Status
from panel.messages import Allocation, DirectMessage, LeadNotice
from panel.relevance import QueuedFor
from panel.roster import Member, Panel, Role
from panel.usecases.common import STAFF, Deps, Work, case_of, on_panel
from panel.words import plural

# Where a case is followed up (open), a lead practitioner can be named or handed over.
_FOLLOWED_UP = frozenset({Status.TRACKING, Status.DIRECT_ALLOCATION, Status.ESCALATED})


def candidates(panel: Panel, agency: str | None = None) -> tuple[tuple[str, str], ...]:
    """Who can lead a case (of `agency`, or of any agency): members and practitioners on Teams,
    as (person id, "Name (agency)")."""
    return tuple(
        (m.person_id, f"{m.name} ({panel.agency_of(m)})")
        for m in panel.members
        if m.roles & {Role.MEMBER, Role.PRACTITIONER}
        and m.has_teams
        and panel.agency_of(m)
        and (agency is None or panel.agency_of(m) == agency)
    )


@dataclass(frozen=True)
class Assigned:
    """A lead role given: the case, and the practitioner's caseload on the panel now."""

    case: Case
    name: str
    caseload: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.caseload > self.limit

    def warning(self) -> str:
        return (
            f"{self.name} now leads {plural(self.caseload, 'family', 'families')} on this panel, "
            f"over their limit of {self.limit}: agree with their manager how it is managed."
            if self.over
            else ""
        )


async def name_lead_practitioner(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, practitioner: str
) -> Assigned:
    """The lead agency names the practitioner who leads the case."""
    async with on_panel(deps, actor, "lead.name", panel_id, case_id=case_id) as work:
        case = await _followed_up(work, case_id)
        agency = case.lead_agency(work.panel.policy)
        _require_for(work.panel, actor, agency, case)
        person = _practitioner(work.panel, practitioner, agency)
        case.lead = name_lead(
            case.lead, Handover(person.person_id, agency or "", work.today(), actor)
        )
        await work.audit.allowed(work.uow, work.now(), case_id)
        _allocate(work, case, person, f"You lead case {case.reference} for {agency}.")
        assigned = await _caseload(work, case, person, actor)
        await work.uow.commit()
        return assigned


async def hand_over_lead(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, practitioner: str, reason: str
) -> Assigned:
    """The lead role moves to another practitioner (of this agency or another), with why."""
    async with on_panel(deps, actor, "lead.hand-over", panel_id, case_id=case_id) as work:
        panel = work.panel
        case = await _followed_up(work, case_id)
        _require_for(panel, actor, case.lead_agency(panel.policy), case)
        person = _practitioner(panel, practitioner, None)
        before = case.lead
        agency = panel.agency_of(person) or ""
        case.lead = hand_over(
            before, Handover(person.person_id, agency, work.today(), actor, reason.strip())
        )
        await work.audit.allowed(work.uow, work.now(), case_id)
        n = len(case.lead.history)
        old = panel.find(before.practitioner) if before else None
        was = f"{old.name} ({before.agency})" if old and before else "its previous practitioner"
        moved = f" The lead agency is now {agency}." if before and before.agency != agency else ""
        _allocate(
            work,
            case,
            person,
            f"You lead case {case.reference} for {agency}, handed over to you by {was}.{moved}",
            case.lead.history[-1].reason,
        )
        what = (
            f"The lead role for case {case.reference} moved from {was} to {person.name} "
            f"({agency}) on {long_date(work.today())}."
        )
        told = [before.practitioner] if before else []
        told += [c.person_id for c in panel.with_role(Role.CHAIR)]
        for someone in dict.fromkeys(p for p in told if p != actor):
            work.send(
                DirectMessage(
                    someone,
                    f"lead-moved:{case.id}:{n}:{someone}",
                    what,
                    LeadNotice(case.reference, what, case.lead.history[-1].reason),
                    queued_for=QueuedFor(panel.id, case_ids=(case.id,)),
                )
            )
        assigned = await _caseload(work, case, person, actor)
        await work.uow.commit()
        return assigned


async def _caseload(work: Work, case: Case, person: Member, actor: str) -> Assigned:
    """The practitioner's caseload with this case; over their limit (Barnet 001 §25.4: «there
    will of course be periods where caseloads might go slightly above our target number and in
    these moments, practitioners and Hub managers should reach an agreement»), the person who
    named them and their manager are told, and the naming stands."""
    others = [
        c
        for c in await work.uow.cases.tracking(work.panel.id)
        if c.id != case.id and c.lead is not None and c.lead.practitioner == person.person_id
    ]
    assigned = Assigned(
        case,
        person.name,
        len(others) + 1,
        caseload_limit(work.panel.policy, person),
    )
    if assigned.over:
        n = len(case.lead.history) if case.lead else 0
        for someone in dict.fromkeys(p for p in (actor, person.manager_id) if p):
            work.send(
                DirectMessage(
                    someone,
                    f"caseload:{case.id}:{n}:{someone}",
                    assigned.warning(),
                    LeadNotice(case.reference, assigned.warning(), ""),
                    queued_for=QueuedFor(work.panel.id, case_ids=(case.id,)),
                )
            )
    return assigned


async def _followed_up(work: Work, case_id: str) -> Case:
    case = await case_of(work.uow, work.panel.id, case_id)
    if case.status not in _FOLLOWED_UP:
        raise InvalidInput("This case is not open for follow-up, so it has no lead to name.")
    return case


def _require_for(panel: Panel, actor: str, agency: str | None, case: Case) -> None:
    """Staff; the current practitioner; a member or practitioner of the lead agency; or the
    manager of one of its practitioners."""
    member = panel.require(actor)
    if member.roles & set(STAFF):
        return
    if case.lead is not None and case.lead.practitioner == actor:
        return
    if agency and panel.agency_of(member) == agency:
        return
    managed = {m.manager_id for m in panel.members if agency and panel.agency_of(m) == agency}
    if actor in managed:
        return
    raise NotPermitted("Only the lead agency, its managers or the chair can name its lead.")


def _practitioner(panel: Panel, person_id: str, agency: str | None) -> Member:
    person = panel.find(person_id)
    if person is None or not person.roles & {Role.MEMBER, Role.PRACTITIONER}:
        raise InvalidInput("Choose a practitioner from the panel's roster.")
    if agency is not None and panel.agency_of(person) != agency:
        raise InvalidInput(f"Choose a practitioner of {agency}: it leads this case.")
    if not person.has_teams:
        raise InvalidInput(
            f"{person.name} is not on Teams, so the bot cannot send them the case or its dates."
        )
    return person


def _allocate(work: Work, case: Case, person: Member, said: str, why: str = "") -> None:
    """The practitioner gets the allocation: the lead's open milestones and their dates (and,
    handed over, why, as typed)."""
    theirs = sorted((m for m in case.milestones if m.open and not m.owner), key=lambda m: m.due)
    dates = "; ".join(f"{m.label} by {long_date(m.due)}" for m in theirs)
    n = len(case.lead.history) if case.lead else 0
    work.send(
        DirectMessage(
            person.person_id,
            f"lead:{case.id}:{n}:{person.person_id}",
            f"{said} {dates}".strip(),
            Allocation(
                case.id,
                tuple((m.code, m.due) for m in theirs),
                panel_id=work.panel.id,
                # To hand it over: to anyone else who can lead a case.
                candidates=tuple(c for c in candidates(work.panel) if c[0] != person.person_id),
                named=True,
                reason=why,
            ),
            queued_for=QueuedFor(work.panel.id, case_ids=(case.id,)),
        )
    )


@dataclass(frozen=True)
class CaseloadLine:
    panel_name: str
    name: str
    agency: str
    families: int  # open cases they lead on the panel
    limit: int | None


async def caseloads(deps: Deps, *, actor: str, panel_ids: list[str]) -> list[CaseloadLine]:
    """Who leads how many families, against their limit: for a manager, their agency's people;
    for the chair and business support, everyone. Counts only, no case data."""
    lines: list[CaseloadLine] = []
    for panel_id in panel_ids:
        panel = deps.panels.get(panel_id)
        member = panel.find(actor)
        if member is None:
            continue
        if member.roles & set(STAFF):
            agency = None
        elif Role.MANAGER in member.roles and panel.agency_of(member):
            agency = panel.agency_of(member)
        else:
            continue
        async with deps.uow() as uow:
            led = [c.lead.practitioner for c in await uow.cases.tracking(panel_id) if c.lead]
        for person in panel.members:
            their_agency = panel.agency_of(person)
            if not their_agency or (agency is not None and their_agency != agency):
                continue
            families = led.count(person.person_id)
            limit = caseload_limit(panel.policy, person)
            if families or limit is not None:
                lines.append(CaseloadLine(panel.name, person.name, their_agency, families, limit))
    if not lines and not any(
        (m := deps.panels.get(p).find(actor)) is not None and m.roles & {Role.MANAGER, *STAFF}
        for p in panel_ids
    ):
        raise NotPermitted("Only managers, the chair and business support see caseloads.")
    return lines
