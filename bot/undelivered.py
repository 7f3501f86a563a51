"""Business support hear of the messages Teams would not take, without having to ask: each
hour of the working day, any message newly given up on is listed for them 1:1, with who it
was for and why, so they can reach that person another way (docs/safeguards.md §10).

Only names, kinds and Teams' reason are listed: never a message's content.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.ports import Queue, Undelivered
from cards.desk import KIND_NAMES
from panel.delivery import GAVE_UP_PREFIX
from panel.messages import DirectMessage, Kind, UndeliveredList
from panel.roster import Panel, Role
from panel.words import plural

log = logging.getLogger(__name__)

DIGEST = Kind.UNDELIVERED.value  # the outbox kind of the list itself
HEADING = "Not delivered; please reach these people another way:"


def lines_for(failed: Iterable[Any], panels: Sequence[Panel]) -> list[str]:
    """One line per given-up message to someone on these panels (or their channel)."""
    names = {m.person_id: m.name for p in panels for m in p.members}
    panel_ids = {p.id for p in panels}
    lines = []
    for item in failed:
        who = str(item.recipient).split(":", 1)[1]
        if who in names or who in panel_ids:
            label = names.get(who, "The panel's channel")
            what = KIND_NAMES.get(item.kind, "a message")
            why = str(item.last_error).removeprefix(GAVE_UP_PREFIX)
            tried = plural(item.attempts, "attempt")
            lines.append(f"{label}, {what}: {why} (given up after {tried})")
    return lines


async def tell_business_support(
    undelivered: Undelivered, queue: Queue, panels: Sequence[Panel], now: datetime
) -> int:
    """List the messages newly given up on for each panel's business support; how many lists
    were queued. Each given-up message is told once; a list that cannot be delivered is not
    itself listed (it would loop), but `undelivered` still shows it."""
    fetched = await undelivered.unreported()
    found = [f for f in fetched if f.kind != DIGEST]
    queued = 0
    if found:
        newest = max(f.id for f in found)
        for panel in panels:
            lines = lines_for(found, [panel])
            if not lines:
                continue
            text = HEADING + "\n\n" + "\n\n".join(lines)
            for person in panel.with_role(Role.BUSINESS_SUPPORT):
                # The key names the newest message listed: a run that fails before marking
                # them reported queues the same list again, which the outbox then ignores.
                message = DirectMessage(
                    person.person_id,
                    f"undelivered:{panel.id}:{person.person_id}:{newest}",
                    text,
                    UndeliveredList(),
                    queued_for=None,  # true whatever happens to the panel meanwhile
                )
                if await queue.enqueue(
                    message.key, message.recipient, DIGEST, message.payload, now
                ):
                    queued += 1
    # Only what was fetched: a message given up on meanwhile is told next time.
    await undelivered.mark_reported([f.id for f in fetched], now)
    if queued:
        log.info("Told business support of %s not delivered", plural(len(found), "message"))
    return queued
