"""The week before the panel: the agenda, freeze, circulation, readiness and reminders (staff),
and each person's tasks."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.registry import Services, handles, text_command
from bot.identity import Asker
from cards import week as cards
from cards.common import Card
from cards.verbs import Verb
from panel.errors import InvalidInput
from panel.roster import Panel
from panel.usecases import info_checks, tasks, week
from panel.words import plural


async def meeting_id_of(s: Services, panel: Panel, act: CardAction) -> str:
    """The meeting the card names, or the next panel's if it names none (a typed command)."""
    if "meeting" in act.refs:
        return act.ref("meeting")
    meeting = await week.current_meeting(s.deps, panel.id)
    if meeting is None:
        raise InvalidInput("Freeze the agenda first: nothing has been frozen for the next panel.")
    return meeting.id


@handles(Verb.AGENDA_VIEW, commands=("agenda",))
async def agenda(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    if not asker.is_staff(panel):
        return cards.counts(
            await week.agenda_counts(s.deps, panel_id=panel.id, actor=asker.person_id)
        )
    return cards.agenda(await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id))


@text_command("agenda", shared=True)
async def shared_agenda(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    """Numbers only: this conversation is seen by more than one person."""
    return cards.counts(
        await week.agenda_counts(s.deps, panel_id=panels[0].id, actor=asker.person_id)
    )


@handles(Verb.AGENDA_FREEZE, view=Verb.AGENDA_VIEW, commands=("freeze now",))
async def freeze(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    meeting = await week.freeze_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    view = await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    rolled = len(meeting.agenda.overflow) if meeting and meeting.agenda else 0
    return cards.agenda(
        view,
        notice=f"Agenda frozen: {plural(len(view.items), 'case')}; {rolled} rolled over to the "
        "following panel (their referrers have been told).",
    )


@handles(Verb.AGENDA_CIRCULATE, view=Verb.AGENDA_VIEW, commands=("circulate",))
async def circulate(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    meeting_id = await meeting_id_of(s, panel, act)
    sent = await week.circulate_agenda(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    view = await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    return cards.agenda(
        view,
        notice=f"Sent to {plural(sent, 'member')} 1:1; the channel has a notice with the numbers."
        if sent
        else "The list had already been circulated.",
    )


async def _readiness(s: Services, asker: Asker, panel: Panel, meeting_id: str, notice: str) -> Card:
    grid = await info_checks.view_readiness(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    view = await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    return cards.readiness(view, grid, notice=notice)


@handles(Verb.READINESS_VIEW, commands=("readiness",))
async def readiness(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    return await _readiness(s, asker, panel, await meeting_id_of(s, panel, act), "")


@handles(Verb.REMINDERS_SEND, view=Verb.READINESS_VIEW, commands=("remind now",))
async def remind(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    meeting_id = await meeting_id_of(s, panel, act)
    sent = await week.send_reminders(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    notice = f"Reminders sent: {sent}." if sent else "Nobody needed reminding just now."
    return await _readiness(s, asker, panel, meeting_id, notice)


@handles(Verb.TASKS_VIEW, commands=("my tasks", "tasks"))
async def my_tasks(s: Services, asker: Asker, act: CardAction) -> Card:
    items = await tasks.view_tasks(
        s.deps, actor=asker.person_id, panel_ids=[p.id for p in asker.panels]
    )
    return cards.tasks(items)
