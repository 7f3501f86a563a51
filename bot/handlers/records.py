"""What business support need to know about the bot's own work: messages not delivered yet."""

from __future__ import annotations

from bot.handlers.registry import Services, text_command
from bot.identity import Asker
from cards import desk as cards
from cards.common import Card, message
from panel.roster import Panel
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
