"""Business support's delivery desk: for what the bot queued (the case list, reminders, any
message), who has it, who is still waiting and why, and who must be reached another way.

Whether a person can be reached comes from what the bot holds: a 1:1 chat with them, or a team
they are in where the bot is installed (it opens the chat from the roster). Where each message
has got to comes from the outbox (bot.ports.DeliveryLog); read receipts mark them read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, tzinfo

from bot.delivery import TeamsDirectory, personal_reference, team_key
from bot.ports import DeliveryLog, References
from panel.calendar import long_date
from panel.delivery import Delivery, Desk, Reach, desk_of, every_message, members_to_reach
from panel.messages import PERSON
from panel.roster import Panel

CIRCULATION = "circulation"
REMINDERS = "reminders"


def key_prefix(what: str, meeting_id: str) -> str:
    """The outbox keys of what was sent for a meeting (panel/usecases/week.py names them)."""
    return {CIRCULATION: "circulation", REMINDERS: "reminder"}[what] + f":{meeting_id}:"


class DeliveryDesk:
    def __init__(self, log: DeliveryLog, references: References, directory: TeamsDirectory) -> None:
        self._log, self._references, self._directory = log, references, directory

    async def reach(self, person_id: str) -> Reach:
        tenant = self._directory.tenant_of_person.get(person_id, "")
        stored = await self._references.get(tenant, person_id)
        if stored is not None and personal_reference(stored):
            return Reach.CHAT
        for team_id in self._directory.teams_of_person.get(person_id, ()):
            if await self._references.get(tenant, team_key(team_id)) is not None:
                return Reach.TEAM
        return Reach.NONE

    async def reach_of(self, panel: Panel) -> dict[str, Reach]:
        return {m.person_id: await self.reach(m.person_id) for m in members_to_reach(panel)}

    async def of_meeting(
        self, panel: Panel, meeting_id: str, what: str, panel_date: date | None, zone: tzinfo
    ) -> Desk:
        """Where the case list (or the latest reminders) for a meeting has got to, per member."""
        found = await self._log.deliveries(key_prefix(what, meeting_id))
        named = "The case list" if what == CIRCULATION else "The latest reminder"
        on = f" for the panel on {long_date(panel_date)}" if panel_date else ""
        desk = desk_of(
            f"{named}{on}",
            panel,
            members_to_reach(panel),
            [_local(d, zone) for d in found if what == CIRCULATION or d.kind != "still-missing"],
            await self.reach_of(panel),
            meeting_id,
        )
        if what != CIRCULATION:
            return desk
        notice = await self._log.deliveries(f"circulation-notice:{meeting_id}")
        return replace(desk, channel=_local(notice[0], zone) if notice else None)

    async def not_delivered(self, panels: Sequence[Panel], zone: tzinfo) -> list[Desk]:
        """Every message still on its way or given up, per panel, for the panels' staff."""
        found = [_local(d, zone) for d in await self._log.not_delivered()]
        people = {d.person_id for d in found if d.person_id is not None}
        reach = {person: await self.reach(person) for person in sorted(people)}
        return [every_message(panel, found, reach) for panel in panels]

    async def read(self, person_id: str, last_read_message_id: str, now: datetime) -> int:
        return await self._log.mark_read(f"{PERSON}{person_id}", last_read_message_id, now)


def _local(delivery: Delivery, zone: tzinfo) -> Delivery:
    """Times as the panel's people read them (the outbox keeps UTC)."""
    return replace(
        delivery,
        next_at=delivery.next_at.astimezone(zone) if delivery.next_at else None,
        at=delivery.at.astimezone(zone) if delivery.at else None,
    )
