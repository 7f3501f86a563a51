"""The lead practitioner: the lead agency names who leads a case from its allocation card, and
the practitioner hands the lead role over from theirs."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import follow_up as follow_up_cards
from cards import inputs
from cards.common import Card, message
from cards.verbs import Verb
from panel.usecases import leads


@handles(Verb.LEAD_NAME)
async def name_lead(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    assigned = await leads.name_lead_practitioner(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        practitioner=inputs.text(act.inputs, "practitioner", 64, "The practitioner"),
    )
    said = (
        f"You lead case {assigned.case.reference} now: its dates are on the card sent to you, "
        "and its nudges come to you."
        if assigned.case.lead and assigned.case.lead.practitioner == asker.person_id
        else f"{assigned.name} leads case {assigned.case.reference} now: they have its dates, "
        "and its nudges go to them."
    )
    return message(said, problem=assigned.warning())


@handles(Verb.CASELOADS_VIEW, commands=("caseloads",))
async def caseloads(s: Services, asker: Asker, act: CardAction) -> Card:
    lines = await leads.caseloads(
        s.deps, actor=asker.person_id, panel_ids=[p.id for p in asker.panels]
    )
    return follow_up_cards.caseloads(lines)


@handles(Verb.LEAD_HAND_OVER)
async def hand_over(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    assigned = await leads.hand_over_lead(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        practitioner=inputs.text(act.inputs, "practitioner", 64, "The practitioner"),
        reason=inputs.text(act.inputs, "handover_reason", 500, "The reason"),
    )
    history = assigned.case.lead.history if assigned.case.lead else ()
    before = history[-2].to_person if len(history) > 1 else ""
    others = (
        "They and the chair are told."
        if before == asker.person_id
        else "They, the chair and the practitioner before are told."
    )
    return message(
        f"Handed over: {assigned.name} leads case {assigned.case.reference} now. {others}",
        problem=assigned.warning(),
    )
