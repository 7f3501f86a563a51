"""Panel day: the chair starts the panel and runs it from the console in their 1:1 chat;
members sign in and see case cards 1:1; a shared conversation only ever sees the numbers-only
agenda."""

from __future__ import annotations

from bot.actions import CardAction, Tampered
from bot.handlers.registry import Services, handles, text_command
from bot.identity import Asker
from cards import console as console_cards
from cards import inputs
from cards import panel_day as cards
from cards.common import Card, message
from cards.verbs import Verb
from panel.errors import InvalidInput, NotPanelDay
from panel.quorum import Presence
from panel.roster import Panel
from panel.usecases import panel_day
from panel.usecases.panel_day import ChairView, ItemView
from panel.words import plural


async def console_of(s: Services, asker: Asker, act: CardAction, notice: str = "") -> Card:
    """The chair's console for the card's meeting (or the panel's running one), with what was
    typed on it kept."""
    if "meeting" in act.refs:
        meeting_id = act.ref("meeting")
    else:
        panel = asker.panel(act.refs.get("panel"))
        meeting_id = (await panel_day.find_running(s.deps, panel.id)).id
    view = await panel_day.view_console(
        s.deps, meeting_id=meeting_id, actor=asker.person_id, shown_at=act.message_id
    )
    return console_cards.console(view, notice=notice)


async def keep_current(s: Services, asker: Asker, act: CardAction) -> None:
    """A console typed for (`panel`, `start panel`) went as a new message: keep it current."""
    panel = asker.panel(act.refs.get("panel"))
    meeting = await panel_day.find_running(s.deps, panel.id)
    await panel_day.remember_console(
        s.deps, meeting_id=meeting.id, actor=asker.person_id, message_id=act.message_id
    )


async def item_of(s: Services, asker: Asker, act: CardAction) -> tuple[ChairView, ItemView]:
    """The console and the card's item on it, for a form that takes the console's place."""
    view = await panel_day.view_console(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, replaced_at=act.message_id
    )
    case_id = act.ref("case")
    item = next((i for i in view.items if i.case_id == case_id), None)
    if item is None:
        raise Tampered("That case is not on this panel's agenda.")
    return view, item


@handles(Verb.PANEL_START, commands=("start panel",), after_sent=keep_current)
async def start(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.refs.get("panel"))
    try:
        meeting = await panel_day.start_panel(
            s.deps, panel_id=panel.id, actor=asker.person_id, early=act.refs.get("confirm") == "yes"
        )
    except NotPanelDay as error:
        return console_cards.start_early(panel.id, error.message)
    view = await panel_day.view_console(
        s.deps, meeting_id=meeting.id, actor=asker.person_id, shown_at=act.message_id
    )
    return console_cards.console(
        view, notice="The panel has started: members have been asked 1:1 to sign in."
    )


@text_command("start panel", shared=True)
async def start_shared(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    try:
        await panel_day.start_panel(s.deps, panel_id=panels[0].id, actor=asker.person_id)
    except NotPanelDay as error:
        return message(
            f"{error.message} To start it early, type start panel in your 1:1 chat with me: "
            "I will ask you to confirm there."
        )
    return console_cards.shared(
        await panel_day.view_shared(s.deps, panel_id=panels[0].id, actor=asker.person_id)
    )


@text_command("panel", shared=True)
async def shared_typed(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    return console_cards.shared(
        await panel_day.view_shared(s.deps, panel_id=panels[0].id, actor=asker.person_id)
    )


@handles(Verb.PANEL_CONSOLE, commands=("panel",), after_sent=keep_current)
async def console(s: Services, asker: Asker, act: CardAction) -> Card:
    return await console_of(s, asker, act)


@handles(Verb.PANEL_SHARED)
async def shared(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    return console_cards.shared(
        await panel_day.view_shared(s.deps, panel_id=panel.id, actor=asker.person_id)
    )


@handles(Verb.PANEL_SIGN_IN)
async def sign_in(s: Services, asker: Asker, act: CardAction) -> Card:
    meeting_id = act.ref("meeting")
    try:
        presence = Presence(act.inputs.get("presence", ""))
    except ValueError:
        raise Tampered("The card sent an attendance our form does not offer.") from None
    accepted = act.inputs.get("accept", "false")
    if accepted not in ("true", "false"):
        raise Tampered("The card sent an answer our form does not offer.")
    try:
        status = await panel_day.sign_in(
            s.deps,
            meeting_id=meeting_id,
            actor=asker.person_id,
            presence=presence,
            accepted_statement=accepted == "true",
        )
    except InvalidInput as error:
        form = await panel_day.sign_in_form(s.deps, meeting_id=meeting_id, actor=asker.person_id)
        return cards.sign_in(form, problem=error.message)
    form = await panel_day.sign_in_form(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    return cards.signed_in(form.agency, presence, status.line())


@handles(Verb.CASE_OPEN, view=Verb.PANEL_CONSOLE)
async def open_case(s: Services, asker: Asker, act: CardAction) -> Card:
    sent = await panel_day.open_case(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return await console_of(
        s,
        asker,
        act,
        f"Its papers are below. Case card sent 1:1 to {plural(sent, 'member')} present, "
        "and to you.",
    )


@handles(Verb.CONFLICT_DECLARE)
async def declare_conflict(s: Services, asker: Asker, act: CardAction) -> Card:
    agency, card = await panel_day.declare_conflict(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return cards.case_card(
        card, notice=f"Conflict declared: {agency} will not vote on this case.", conflicted=True
    )


@handles(Verb.CONFLICT_WITHDRAW)
async def withdraw_conflict(s: Services, asker: Asker, act: CardAction) -> Card:
    agency, card = await panel_day.withdraw_conflict(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return cards.case_card(card, notice=f"Conflict withdrawn: {agency} can vote on this case.")


@handles(Verb.AGENDA_ADD, view=Verb.PANEL_CONSOLE)
async def add_to_agenda(s: Services, asker: Asker, act: CardAction) -> Card:
    number = await panel_day.add_to_agenda(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, case_id=act.ref("case")
    )
    return await console_of(s, asker, act, f"Added as item {number}.")


@handles(Verb.PANEL_AOB_FORM, view=Verb.PANEL_CONSOLE)
async def aob_form(s: Services, asker: Asker, act: CardAction) -> Card:
    view = await panel_day.view_console(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, replaced_at=act.message_id
    )
    return console_cards.aob_form(view, values=act.inputs)


@handles(Verb.PANEL_AOB, view=Verb.PANEL_AOB_FORM)
async def add_aob(s: Services, asker: Asker, act: CardAction) -> Card:
    text = inputs.text(act.inputs, "aob_text", panel_day.MAX_AOB_TEXT, "Any other business")
    count = await panel_day.add_aob(
        s.deps, meeting_id=act.ref("meeting"), actor=asker.person_id, text=text
    )
    return await console_of(s, asker, act, f"Noted for the minutes ({count}).")
