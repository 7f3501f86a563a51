"""Intake and screening, as business support and the chair do it from their 1:1 chat."""

from __future__ import annotations

from bot.actions import CardAction, Tampered
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import inputs
from cards import intake as cards
from cards.common import Card, day, when
from cards.intake import MAX_WITHDRAW_REASON
from cards.verbs import Verb
from panel.errors import (
    ConsentMissing,
    DomainError,
    InvalidInput,
    NotPermitted,
    SafeguardingRedirect,
)
from panel.lifecycle import Event
from panel.roster import Panel
from panel.usecases import intake

SCREENED = {
    Event.REDIRECT_TO_MASH: "Redirected to the MASH.",
}


async def _list(s: Services, asker: Asker, panel: Panel, notice: str = "") -> Card:
    lines = await intake.list_cases(s.deps, panel_id=panel.id, actor=asker.person_id)
    return cards.case_list(panel.id, panel.name, lines, notice=notice)


@handles(Verb.CASE_NEW_FORM, commands=("new case",))
async def new_form(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    if not asker.is_staff(panel):
        raise NotPermitted("Only the chair or business support can list a family.")
    return cards.case_form(panel.id, panel.name, panel.policy.localities)


@handles(Verb.CASE_REFER, view=Verb.CASE_LIST)
async def refer(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    try:
        referral = cards.referral_from_inputs(act.inputs)
        case_id = await intake.refer_case(
            s.deps, panel_id=panel.id, actor=asker.person_id, referral=referral
        )
    except DomainError as error:
        # Keep what was typed: the form comes back filled in, with the reason on top.
        if isinstance(error, NotPermitted):
            raise
        return cards.case_form(
            panel.id, panel.name, panel.policy.localities, values=act.inputs, problem=error.message
        )
    lines = await intake.list_cases(s.deps, panel_id=panel.id, actor=asker.person_id)
    reference = next((line.reference for line in lines if line.case_id == case_id), "")
    return cards.case_list(
        panel.id,
        panel.name,
        lines,
        notice=f"Recorded {reference}; it waits for screening. When it is ready, press Put on "
        "panel list (or Allocate directly, or Redirect to MASH) on its line below.",
    )


@handles(Verb.CASE_EDIT_FORM, view=Verb.CASE_LIST)
async def edit_form(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    case = await intake.case_for_editing(
        s.deps, panel_id=panel.id, actor=asker.person_id, case_id=act.ref("case")
    )
    return cards.case_form(panel.id, panel.name, panel.policy.localities, case=case)


@handles(Verb.CASE_EDIT, view=Verb.CASE_LIST)
async def edit(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    case_id = act.ref("case")
    try:
        referral = cards.referral_from_inputs(act.inputs)
        await intake.edit_case(
            s.deps, panel_id=panel.id, actor=asker.person_id, case_id=case_id, referral=referral
        )
    except (InvalidInput, SafeguardingRedirect, ConsentMissing) as error:
        case = await intake.case_for_editing(
            s.deps, panel_id=panel.id, actor=asker.person_id, case_id=case_id
        )
        return cards.case_form(
            panel.id,
            panel.name,
            panel.policy.localities,
            case=case,
            values=act.inputs,
            problem=error.message,
        )
    return await _list(s, asker, panel, "Changes saved.")


@handles(Verb.CASE_WITHDRAW, view=Verb.CASE_LIST)
async def withdraw(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    case_id = act.ref("case")
    typed = act.per_case(case_id)
    reason = typed.get("reason", "").strip()
    if not reason or len(reason) > MAX_WITHDRAW_REASON:
        # Asked first (the form), and asked again with the reason why when it is missing.
        case = await intake.case_for_editing(
            s.deps, panel_id=panel.id, actor=asker.person_id, case_id=case_id
        )
        problem = (
            f"Say why the case is withdrawn (1 to {MAX_WITHDRAW_REASON} characters): it is kept "
            "with its record. Nothing was withdrawn."
            if "reason" in typed
            else ""
        )
        return cards.withdraw_form(
            panel.id, case_id, case.reference, reason=typed.get("reason", ""), problem=problem
        )
    reference = await intake.withdraw_case(
        s.deps, panel_id=panel.id, actor=asker.person_id, case_id=case_id, reason=reason
    )
    return await _list(
        s,
        asker,
        panel,
        f"Case withdrawn: {reference}. It is off every agenda and member's list, and "
        "messages about it not yet sent will not go.",
    )


@handles(Verb.CASE_SCREEN, view=Verb.CASE_LIST)
async def screen(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    event = cards.SCREENING.get(act.ref("to"))
    if event is None:
        raise Tampered("The card asked for a screening decision we do not offer.")
    if event is Event.ALLOCATE_DIRECTLY:
        return await _allocate_directly(s, asker, panel, act)
    screened = await intake.screen_case(
        s.deps, panel_id=panel.id, actor=asker.person_id, case_id=act.ref("case"), decision=event
    )
    return await _list(s, asker, panel, _screened(screened, event))


async def _allocate_directly(s: Services, asker: Asker, panel: Panel, act: CardAction) -> Card:
    """The form first (to which agency, and why); then the allocation."""
    case_id = act.ref("case")
    lead = act.inputs.get("lead_agency", "").strip()
    why = inputs.text(act.inputs, "direct_reason", cards.MAX_WITHDRAW_REASON, "The reason")
    try:
        if not lead:
            raise InvalidInput("Choose the agency that will lead.")
        screened = await intake.screen_case(
            s.deps,
            panel_id=panel.id,
            actor=asker.person_id,
            case_id=case_id,
            decision=Event.ALLOCATE_DIRECTLY,
            reason=why,
            lead_agency=lead,
        )
    except InvalidInput as error:
        case = await intake.case_for_editing(
            s.deps, panel_id=panel.id, actor=asker.person_id, case_id=case_id
        )
        problem = error.message if "lead_agency" in act.inputs else ""
        return cards.direct_form(
            panel.id,
            case_id,
            case.reference,
            sorted(panel.agencies),
            values=act.inputs,
            problem=problem,
        )
    return await _list(
        s,
        asker,
        panel,
        f"{screened.reference}: allocated directly to {lead}, without panel discussion. "
        f"{lead}'s members and the referrer will be told 1:1.",
    )


def _screened(screened: intake.Screened, event: Event) -> str:
    if screened.panel_date is None or screened.cutoff_at is None:
        return f"{screened.reference}: {SCREENED[event]}"
    return (
        f"{screened.reference}: listed for the panel on {day(screened.panel_date)}. Its agenda "
        f"freezes on {when(screened.cutoff_at)}; if its locality's list is full by then, it "
        "goes to the following panel."
    )


@handles(Verb.CASE_LIST, commands=("cases",))
async def case_list(s: Services, asker: Asker, act: CardAction) -> Card:
    return await _list(s, asker, asker.panel(act.ref("panel")))
