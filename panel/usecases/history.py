"""A case's history (issue 17, item 5): `find EHM-1234` shows business support and the chair
where a case is now and everything done to it, from the audit log, in plain English. It is
found by its reference's keyed hash only, never by a name; the search itself is audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from panel.cases import REFERENCE, Case
from panel.errors import InvalidInput, NotFound, NotPermitted
from panel.lifecycle import Status
from panel.ports import AuditEntry
from panel.roster import Panel
from panel.usecases.common import STAFF, SYSTEM, Deps, on_panel, timeline_of

SHOWN = 40  # lines of history on the card, shared by the cases found; the latest are shown

# What each audited action says a person did, in the words the card uses.
DONE = {
    "case.refer": "recorded the referral",
    "case.edit": "corrected the referral",
    "case.screen": "screened it",
    "case.withdraw": "withdrew it",
    "case.list": "saw it on the list of cases",
    "agenda.freeze": "froze the agenda it is on",
    "agenda.add": "added it to the panel's agenda on the day",
    "agenda.circulate": "circulated it to the panel's members",
    "pack.case": "read its case card",
    "pack.open": "opened the case list with it",
    "infocheck.record": "answered the information check for their agency",
    "infocheck.not-known-rest": "answered it not known to their agency",
    "case.open": "opened it at the panel",
    "conflict.declare": "declared their agency's conflict",
    "conflict.withdraw": "withdrew their agency's conflict",
    "vote.open": "called the vote",
    "vote.cast": "voted",
    "vote.close": "closed the vote",
    "vote.casting": "gave the casting vote",
    "vote.reopen": "re-opened the vote",
    "outcome.record": "recorded the outcome",
    "outcome.change": "changed the outcome",
    "outcome.form": "opened the outcome to change it",
    "outcome.recorded": "ticked it as recorded on the case system",
    "escalation.record": "escalated it",
    "escalation.raise": "raised the escalation to its next stage",
    "escalation.resolve": "recorded the escalation's resolution",
    "escalation.view": "looked at the escalation",
    "lead.name": "named the lead practitioner",
    "lead.hand-over": "handed the lead role over",
    "milestone.done": "marked a milestone done",
    "milestone.not-possible": "marked a milestone not possible",
    "milestone.extend": "extended a milestone",
    "case.stuck": "sent it back to panel as stuck",
    "case.step-up": "stepped it up to the MASH",
    "case.close": "closed it",
    "case.find": "looked up its history",
    "follow-up.view": "opened its follow-up",
    "panel.console": "had it on the chair's console",
    "panel.console-update": "was shown it on the console",
}
# Reads: audited (who saw what) but not part of what happened to the case.
LOOKED = frozenset(
    {
        "case.list",
        "case.view",
        "case.find",
        "agenda.view",
        "readiness.view",
        "delivery.view",
        "panel.shared",
        "pack.open",
        "pack.case",
        "panel.console",
        "panel.console-update",
        "outcome.form",
        "follow-up.view",
        "escalation.view",
    }
)
STATES = {
    Status.REFERRED: "listed, waiting for screening",
    Status.LISTED: "screened, waiting for a panel",
    Status.DIRECT_ALLOCATION: "allocated directly, without a panel",
    Status.REDIRECTED_TO_MASH: "redirected to the MASH",
    Status.ON_AGENDA: "on a frozen agenda",
    Status.ROLLED_OVER: "rolled over to the next panel",
    Status.CIRCULATED: "circulated for a panel",
    Status.DISCUSSED: "being discussed",
    Status.ESCALATED: "escalated, waiting for its resolution",
    Status.OUTCOME: "decided",
    Status.TRACKING: "decided, its follow-up tracked",
    Status.STUCK: "stuck: back to panel",
    Status.DUE_REVIEW: "due its panel review",
    Status.CLOSED: "closed",
    Status.WITHDRAWN: "withdrawn",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    what: str  # the bot's own words
    refused: bool = False


@dataclass(frozen=True)
class CaseHistory:
    reference: str
    panel_name: str
    state: str
    lead: str  # "Health (Pat Practitioner)", or ""
    lines: tuple[HistoryLine, ...]  # the latest `SHOWN`, oldest first
    earlier: int  # how many earlier lines are not shown


async def find_case(
    deps: Deps, *, panel_ids: list[str], actor: str, reference: str
) -> list[CaseHistory]:
    """Every case with this reference on the person's panels where they are staff."""
    reference = reference.strip()
    # A reference has digits (EHM-1234, a Mosaic number); a word without any may be a name,
    # and a name is never searched for.
    if not REFERENCE.fullmatch(reference) or not any(c.isdigit() for c in reference):
        raise InvalidInput(
            "That is not a case reference. Give it as on the case system, e.g. EHM-1234: "
            "cases are found by reference only, never by a name."
        )
    found: list[CaseHistory] = []
    staff_somewhere = False
    for panel_id in panel_ids:
        panel = deps.panels.get(panel_id)
        member = panel.find(actor)
        if member is None or not member.roles & set(STAFF):
            continue
        staff_somewhere = True
        async with on_panel(deps, actor, "case.find", panel_id, *STAFF) as work:
            for case in await work.uow.cases.with_reference(panel_id, reference):
                entries = await work.uow.audit.for_case(case.id)
                found.append(_history(panel, case, entries))
                await work.audit.allowed(work.uow, work.now(), case.id)
            await work.uow.commit()
    if not staff_somewhere:
        raise NotPermitted("Only the chair and business support can find a case's history.")
    if not found:
        raise NotFound(f"No case with that reference on your panels: {reference}")
    # Several cases can share a reference (one closed, a new one opened): they share the card.
    room = max(5, SHOWN // len(found))
    return [
        replace(h, lines=h.lines[-room:], earlier=h.earlier + max(0, len(h.lines) - room))
        for h in found
    ]


def _history(panel: Panel, case: Case, entries: list[AuditEntry]) -> CaseHistory:
    zone = timeline_of(panel).zone
    lines = [
        HistoryLine(
            e.at.astimezone(zone),
            "The bot"
            if e.actor == SYSTEM
            else panel.name_of(e.actor, "Someone no longer on the panel"),
            DONE.get(e.action, e.action.replace(".", ": ").replace("-", " "))
            + ("" if e.allowed else f" (refused: {e.reason or 'not allowed'})"),
            refused=not e.allowed,
        )
        for e in entries
        # What was done to it, and every refusal; not each time someone only looked at it.
        if not (e.allowed and e.action in LOOKED)
    ]
    lead = ""
    agency = case.lead_agency(panel.policy)
    if agency:
        named = panel.find(case.lead.practitioner) if case.lead else None
        lead = f"{agency} ({named.name})" if named else agency
    return CaseHistory(
        case.reference,
        panel.name,
        STATES.get(case.status, case.status.value),
        lead,
        tuple(lines),
        0,
    )
