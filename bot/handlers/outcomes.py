"""Outcomes and minutes: the chair records each decision and closes the panel from the console;
business support tick decisions off as recorded on the case system."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.panel_day import console_of, item_of
from bot.handlers.registry import Services, handles
from bot.identity import Asker
from cards import console as console_cards
from cards import outcomes as cards
from cards.common import Card, message
from cards.verbs import Verb
from panel.console import ItemState
from panel.errors import InvalidInput
from panel.usecases import outcomes, panel_day
from panel.words import plural


@handles(Verb.OUTCOME_FORM, view=Verb.PANEL_CONSOLE)
async def outcome_form(s: Services, asker: Asker, act: CardAction) -> Card:
    """The outcome to record, or (decided already) the recorded one, to change."""
    view, item = await item_of(s, asker, act)
    if item.state is not ItemState.DECIDED:
        return cards.outcome_form(view, item)
    decision = await outcomes.recorded_decision(
        s.deps, meeting_id=view.meeting_id, actor=asker.person_id, case_id=item.case_id
    )
    values = cards.inputs_of(decision, view.checklist)
    return cards.outcome_form(view, item, values=values, changing=True)


@handles(Verb.OUTCOME_RECORD, view=Verb.PANEL_CONSOLE)
async def record_outcome(s: Services, asker: Asker, act: CardAction) -> Card:
    view, item = await item_of(s, asker, act)
    changing = item.state is ItemState.DECIDED
    try:
        decision = cards.decision_from_inputs(item.case_id, act.inputs, view.panel_date, view)
        if changing:
            await outcomes.change_outcome(
                s.deps,
                meeting_id=view.meeting_id,
                actor=asker.person_id,
                decision=decision,
                reason=act.inputs.get("change_reason", ""),
            )
        else:
            await outcomes.record_outcome(
                s.deps, meeting_id=view.meeting_id, actor=asker.person_id, decision=decision
            )
    except InvalidInput as error:
        return cards.outcome_form(
            view, item, values=act.inputs, problem=error.message, changing=changing
        )
    if changing:
        return await console_of(
            s,
            asker,
            act,
            f"Outcome changed for item {item.number}. Everyone told the earlier outcome will "
            "be told the change and why, and the minutes will record it.",
        )
    return await console_of(s, asker, act, f"Outcome recorded for item {item.number}.")


@handles(Verb.OUTCOME_RECORDED)
async def mark_recorded(s: Services, asker: Asker, act: CardAction) -> Card:
    await outcomes.mark_recorded(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return message("Ticked: recorded on the case system.")


@handles(Verb.PANEL_CLOSE, view=Verb.PANEL_CONSOLE)
async def close_panel(s: Services, asker: Asker, act: CardAction) -> Card:
    if act.refs.get("confirm") != "yes":
        # Closing cannot be undone: asked first, whatever card the button was on.
        view = await panel_day.view_console(
            s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, replaced_at=act.message_id
        )
        return console_cards.close_question(view)
    minutes = await outcomes.close_panel(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id
    )
    return await console_of(
        s,
        asker,
        act,
        f"Panel closed: {plural(len(minutes.items), 'decision')}; "
        f"{len(minutes.not_reached)} not reached (rolled to the next panel). "
        "The minutes are on their way 1:1 to those who attended, to you and to business support.",
    )
