"""What business support need to know about the bot's own work: messages Teams would not take."""

from __future__ import annotations

from bot.handlers.registry import Services, text_command
from bot.identity import Asker
from bot.undelivered import HEADING, lines_for
from cards.common import Card, message
from panel.roster import Panel


@text_command("undelivered", shared=False)
async def undelivered(s: Services, asker: Asker, panels: tuple[Panel, ...]) -> Card:
    """Business support's list of messages Teams would not take, with the reason, so they can
    reach those people another way (docs/safeguards.md §10)."""
    staff_panels = [p for p in panels if asker.is_staff(p)]
    if not staff_panels or s.undelivered is None:
        return message("Only the chair or business support can see undelivered messages.")
    lines = lines_for(await s.undelivered.failed(), staff_panels)
    if not lines:
        return message("Every message has been delivered.")
    return message(HEADING + "\n\n" + "\n\n".join(lines))
