"""The week before the panel: the agenda, freeze, circulation, readiness and reminders (staff),
and each person's tasks."""

from __future__ import annotations

from microsoft_teams.cards import CardElement

from bot.actions import CardAction
from bot.desk import CIRCULATION, REMINDERS
from bot.handlers.registry import Services, handles, text_command
from bot.identity import Asker
from cards import desk as desk_cards
from cards import tasks as task_cards
from cards import week as cards
from cards.common import Card, message
from cards.verbs import Verb
from panel.delivery import members_to_reach, unreachable
from panel.errors import InvalidInput
from panel.meeting import MeetingStatus
from panel.roster import Panel
from panel.usecases import desk, info_checks, tasks, week
from panel.usecases.common import timeline_of
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
    view = await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    return cards.agenda(view, before_circulating=await _reach_check(s, panel, view))


async def _reach_check(s: Services, panel: Panel, view: week.AgendaView) -> list[CardElement]:
    """Once frozen and before circulating: who the bot cannot reach yet, and what to do."""
    if view.status is not MeetingStatus.FROZEN or not view.items or s.desk is None:
        return []
    lines = unreachable(panel, await s.desk.reach_of(panel))
    return desk_cards.reach_check(lines, len(members_to_reach(panel)))


async def _desk(
    s: Services, asker: Asker, panel: Panel, meeting_id: str, what: str, notice: str = ""
) -> Card:
    meeting, _ = await week.check_delivery(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    if s.desk is None:
        return message(notice or "Delivery cannot be checked here.")
    zone = timeline_of(panel).zone
    desk = await s.desk.of_meeting(panel, meeting_id, what, meeting.panel_date, zone)
    return desk_cards.delivery(desk, what=what, notice=notice)


@handles(Verb.DELIVERY_VIEW, commands=("delivery",))
async def delivery(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    what = REMINDERS if act.refs.get("what") == REMINDERS else CIRCULATION
    return await _desk(s, asker, panel, await meeting_id_of(s, panel, act), what)


@text_command("agenda", shared=True)
async def shared_agenda(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    """Numbers only: this conversation is seen by more than one person."""
    return cards.counts(
        await week.agenda_counts(s.deps, panel_id=panels[0].id, actor=asker.person_id)
    )


@handles(Verb.AGENDA_FREEZE, view=Verb.AGENDA_VIEW, commands=("freeze now",))
async def freeze(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    before = await week.current_meeting(s.deps, panel.id)
    meeting = await week.freeze_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    view = await week.view_agenda(s.deps, panel_id=panel.id, actor=asker.person_id)
    rolled = len(meeting.agenda.overflow) if meeting and meeting.agenda else 0
    if before is not None and before.agenda is not None:
        notice = "The agenda was already frozen; nothing changed."
    else:
        notice = f"Agenda frozen: {plural(len(view.items), 'case')}" + (
            f"; {rolled} rolled over to the following panel (each referrer, or whoever listed "
            "the case, is told why)."
            if rolled
            else "; no case had to roll over to the following panel."
        )
    return cards.agenda(view, notice=notice, before_circulating=await _reach_check(s, panel, view))


@handles(Verb.AGENDA_CIRCULATE, view=Verb.AGENDA_VIEW, commands=("circulate",))
async def circulate(s: Services, asker: Asker, act: CardAction) -> Card:
    panel = asker.panel(act.ref("panel"))
    meeting_id = await meeting_id_of(s, panel, act)
    queued = await week.circulate_agenda(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    # Queued, not sent: the desk says what has arrived so far, and updates when asked.
    notice = (
        f"The case list is queued for {plural(queued, 'member')}, 1:1; the channel gets a "
        "notice with the numbers. Press Check again to see it arrive."
        if queued
        else "The list had already been circulated."
    )
    return await _desk(s, asker, panel, meeting_id, CIRCULATION, notice)


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
    queued = await week.send_reminders(s.deps, meeting_id=meeting_id, actor=asker.person_id)
    if not queued:
        return await _readiness(s, asker, panel, meeting_id, "Nobody needed reminding just now.")
    notice = (
        f"Reminders queued for {plural(queued, 'member')}; the chair is told who is still missing."
    )
    return await _desk(s, asker, panel, meeting_id, REMINDERS, notice)


@handles(Verb.TASKS_VIEW, commands=("my tasks", "tasks"), across_panels=True)
async def my_tasks(s: Services, asker: Asker, act: CardAction) -> Card:
    panel_ids = [p.id for p in asker.panels]
    items = await tasks.view_tasks(s.deps, actor=asker.person_id, panel_ids=panel_ids)
    follow_ups = await desk.view_desk(s.deps, actor=asker.person_id, panel_ids=panel_ids)
    return task_cards.tasks(items, follow_ups)
