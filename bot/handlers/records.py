"""What business support need to know about the bot's own work (messages not delivered yet),
and a case's history by its reference (`find EHM-1234`)."""

from __future__ import annotations

from bot.actions import CardAction
from bot.handlers.registry import Services, handles, text_command
from bot.identity import Asker
from cards import desk as cards
from cards import history as history_cards
from cards.common import Card, message
from cards.verbs import Verb
from panel.errors import InvalidInput, NotFound
from panel.roster import Panel
from panel.usecases import history
from panel.usecases.common import timeline_of


@text_command("undelivered", shared=False)
async def undelivered(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    """Business support's list of every message not delivered yet, per person: on its way
    (and why it is taking long) or given up (reach them another way), docs/safeguards.md §10."""
    staff_panels = [p for p in panels if asker.is_staff(p)]
    if not staff_panels or s.desk is None:
        return message("Only the chair or business support can see undelivered messages.")
    zone = timeline_of(staff_panels[0]).zone
    return cards.undelivered(await s.desk.not_delivered(staff_panels, zone))


@handles(Verb.CASE_FIND, commands=("find",), argument="reference", across_panels=True)
async def find(s: Services, asker: Asker, act: CardAction) -> Card:
    """A case's history by its reference (typed `find EHM-1234`, or from the form)."""
    typed = act.inputs.get("reference", "").strip()
    if not any(asker.is_staff(p) for p in asker.panels):
        return message("Only the chair and business support can find a case's history.")
    if not typed:
        return history_cards.find_form()
    try:
        found = await history.find_case(
            s.deps, panel_ids=[p.id for p in asker.panels], actor=asker.person_id, reference=typed
        )
    except (InvalidInput, NotFound) as problem:
        return history_cards.find_form(problem=problem.message, typed=typed[:40])
    return history_cards.histories(found)
