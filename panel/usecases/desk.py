"""The lead's own desk (issue 16, item 4): in `my tasks`, every open milestone of the cases a
person leads (or, until a practitioner is named, that their agency leads), soonest first, each
opening the milestone's card to act on it there: done, not possible, stuck, extended, or the
case closed. Case references and dates, 1:1 only, audited per case shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from panel.cases import Case
from panel.errors import InvalidInput
from panel.messages import MilestoneNudge
from panel.outcomes import Milestone
from panel.roster import Member, Panel
from panel.usecases.common import ACTING, STAFF, Audit, Deps, case_of, on_panel, timeline_of
from panel.usecases.follow_up import card_for

SHOWN = 25  # rows on the desk; the count says how many more


@dataclass(frozen=True)
class FollowUpItem:
    panel_id: str
    case_id: str
    reference: str
    milestone: str  # its code
    label: str
    due: date
    late: bool
    escalation: bool = False  # an escalation they own, to raise or resolve (due: since)


@dataclass(frozen=True)
class Desk:
    items: tuple[FollowUpItem, ...]  # the soonest `SHOWN`
    more: int  # how many more are open


def _acts_for(panel: Panel, member: Member, case: Case, milestone: Milestone) -> bool:
    """The named practitioner for the lead's own milestones; otherwise whoever acts for the
    agency doing it (members, practitioners, managers)."""
    if case.lead is not None and not milestone.owner:
        return case.lead.practitioner == member.person_id
    agency = milestone.owner or case.lead_agency(panel.policy)
    return (
        bool(member.roles & set(ACTING))
        and agency is not None
        and panel.agency_of(member) == agency
    )


async def view_desk(deps: Deps, *, actor: str, panel_ids: list[str]) -> Desk:
    """Every open milestone this person is to act on, on each of their panels, and every open
    escalation they own."""
    items: list[FollowUpItem] = []
    for panel_id in panel_ids:
        panel = deps.panels.get(panel_id)
        member = panel.find(actor)
        if member is None:
            continue
        today = deps.clock.now().astimezone(timeline_of(panel).zone).date()
        async with deps.uow() as uow:
            audit = Audit(actor, "follow-up.view").about(panel)
            for case in await uow.cases.tracking(panel_id):
                mine = [m for m in case.milestones if m.open and _acts_for(panel, member, case, m)]
                if mine:
                    await audit.allowed(uow, deps.clock.now(), case.id)
                items += [
                    FollowUpItem(
                        panel.id, case.id, case.reference, m.code, m.label, m.due, m.due < today
                    )
                    for m in mine
                ]
            for case in await uow.cases.escalated(panel_id):
                e = case.escalation
                if e is not None and e.open and e.owner == actor:
                    await audit.allowed(uow, deps.clock.now(), case.id)
                    label = f"Escalation: {e.stage}, to resolve or raise"
                    items.append(
                        FollowUpItem(
                            panel.id,
                            case.id,
                            case.reference,
                            "",
                            label,
                            e.steps[-1].on,
                            False,
                            escalation=True,
                        )
                    )
            await uow.commit()
    items.sort(key=lambda i: (i.due, i.reference, i.milestone))
    return Desk(tuple(items[:SHOWN]), max(0, len(items) - SHOWN))


async def milestone_card(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, code: str
) -> MilestoneNudge:
    """One milestone as its card, opened from the desk by someone who may act on it."""
    async with on_panel(deps, actor, "follow-up.view", panel_id, case_id=case_id) as work:
        panel = work.panel
        case = await case_of(work.uow, panel_id, case_id)
        member = panel.require(actor)
        milestone = next((m for m in case.milestones if m.code == code and m.open), None)
        if milestone is None:
            raise InvalidInput("That milestone is done or no longer part of the case's plan.")
        if not _acts_for(panel, member, case, milestone) and not member.roles & set(STAFF):
            raise InvalidInput("That milestone is not yours to act on.")
        today = work.today()
        await work.done(case_id)
        stage = "overdue" if milestone.due < today else "due" if milestone.due == today else ""
        return card_for(panel, case, milestone, stage or "upcoming", actor)
