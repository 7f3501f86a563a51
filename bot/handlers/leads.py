"""The lead practitioner: the lead agency names who leads a case from its allocation card, and
the practitioner hands the lead role over from theirs."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import inputs
from cards.common import Card, message
from cards.verbs import Verb
from panel.usecases import leads


@handles(Verb.LEAD_NAME)
async def name_lead(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    case = await leads.name_lead_practitioner(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        practitioner=inputs.text(act.inputs, "practitioner", 64, "The practitioner"),
    )
    person = panel.find(case.lead.practitioner) if case.lead else None
    return message(
        f"{person.name if person else 'The practitioner'} leads case {case.reference} now: "
        "they have its dates, and its nudges come to them."
    )


@handles(Verb.LEAD_HAND_OVER)
async def hand_over(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    case = await leads.hand_over_lead(
        s.deps,
        panel_id=panel.id,
        actor=asker.person_id,
        case_id=act.ref("case"),
        practitioner=inputs.text(act.inputs, "practitioner", 64, "The practitioner"),
        reason=inputs.text(act.inputs, "handover_reason", 500, "The reason"),
    )
    person = panel.find(case.lead.practitioner) if case.lead else None
    return message(
        f"Handed over: {person.name if person else 'the practitioner'} leads case "
        f"{case.reference} now. They, the chair and the practitioner before are told."
    )
