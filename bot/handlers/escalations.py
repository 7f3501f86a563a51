"""Escalations: the chair escalates an item from the console (owner, interim service); its
owner raises it to the next stage or records its resolution from the card sent 1:1."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.panel_day import console_of, item_of
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import outcomes as cards
from cards.common import Card
from cards.verbs import Verb
from panel.errors import InvalidInput
from panel.usecases import escalations
from panel.usecases.escalations import EscalationView


@handles(Verb.ESCALATION_FORM, view=Verb.PANEL_CONSOLE)
async def escalation_form(s: Services, asker: Asker, act: CardAction) -> Card:
    view, item = await item_of(s, asker, act)
    return cards.escalation_form(view, item, values={"owner": asker.person_id})


@handles(Verb.ESCALATION_RECORD, view=Verb.PANEL_CONSOLE)
async def record_escalation(s: Services, asker: Asker, act: CardAction) -> Card:
    view, item = await item_of(s, asker, act)
    try:
        escalation = await escalations.record_escalation(
            s.deps,
            meeting_id=view.meeting_id,
            actor=asker.person_id,
            case_id=item.case_id,
            owner=act.inputs.get("owner", ""),
            interim_service=act.inputs.get("interim_service", ""),
            interim_agency=act.inputs.get("interim_agency") or None,
        )
    except InvalidInput as error:
        return cards.escalation_form(view, item, values=act.inputs, problem=error.message)
    return await console_of(
        s,
        asker,
        act,
        f"Item {item.number} escalated: {escalation.stage}. Its owner is sent it 1:1 to take "
        "forward; the minutes will record it.",
    )


def _card(view: EscalationView, *, notice: str = "", problem: str = "") -> Card:
    return cards.escalation(
        view.notice("", acts=True),
        notice=notice or f"Escalated: {view.escalation.stage}.",
        problem=problem,
    )


async def _view(s: Services, asker: Asker, act: CardAction) -> EscalationView:
    panel = asker.panel(act.ref("panel"))
    return await escalations.escalation_view(
        s.deps, panel_id=panel.id, actor=asker.person_id, case_id=act.ref("case")
    )


@handles(Verb.ESCALATION_VIEW)
async def escalation_view(s: Services, asker: Asker, act: CardAction) -> Card:
    return _card(await _view(s, asker, act))


@handles(Verb.ESCALATION_RESOLVE_FORM, view=Verb.ESCALATION_VIEW)
async def resolution_form(s: Services, asker: Asker, act: CardAction) -> Card:
    return cards.resolution_form(await _view(s, asker, act))


@handles(Verb.ESCALATION_RESOLVE, view=Verb.ESCALATION_VIEW)
async def resolve(s: Services, asker: Asker, act: CardAction) -> Card:
    view = await _view(s, asker, act)
    try:
        decision, resolution = cards.resolution_from_inputs(
            view, act.inputs, view.escalation.raised_on
        )
        resolved = await escalations.resolve_escalation(
            s.deps,
            panel_id=view.panel_id,
            actor=asker.person_id,
            decision=decision,
            resolution=resolution,
        )
    except InvalidInput as error:
        return cards.resolution_form(view, values=act.inputs, problem=error.message)
    return cards.escalation(
        resolved.notice("", acts=False),
        notice="Resolution recorded: it is the case's decision now. The lead (or the agency "
        "carrying it), the chair and business support are told.",
    )


@handles(Verb.ESCALATION_RAISE, view=Verb.ESCALATION_VIEW)
async def raise_stage(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    try:
        await escalations.raise_escalation(
            s.deps,
            panel_id=panel.id,
            actor=asker.person_id,
            case_id=act.ref("case"),
            reason=act.inputs.get("raise_reason", ""),
        )
    except InvalidInput as error:
        return _card(await _view(s, asker, act), problem=error.message)
    view = await _view(s, asker, act)
    return _card(view, notice=f"Raised to {view.escalation.stage}. The chair is told.")
