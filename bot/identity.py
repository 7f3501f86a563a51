"""Who is asking, parsed once per turn from the authenticated activity (never from card data):
the edge checks the tenant with it, and the bot and every handler read the same `Asker`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from panel.errors import InvalidInput, NotPermitted
from panel.roster import Panel
from panel.usecases.common import STAFF

ASKER = "early-help.asker"  # where the edge leaves the turn's Asker in the turn state


def _channel_data(activity: Activity) -> dict[str, Any]:
    return activity.channel_data if isinstance(activity.channel_data, dict) else {}


def tenant_of(activity: Activity) -> str:
    tenant = _channel_data(activity).get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"]).lower()
    conversation = activity.conversation
    return str(getattr(conversation, "tenant_id", "") or "").lower() if conversation else ""


def is_personal(activity: Activity) -> bool:
    """Deny by default: only an activity that positively says so is a 1:1 chat (docs/safeguards.md
    §11). One without a conversation type may be a channel's, so case detail stays out."""
    return getattr(activity.conversation, "conversation_type", None) == "personal"


def team_of(activity: Activity) -> str:
    team = _channel_data(activity).get("team")
    return str(team["id"]) if isinstance(team, dict) and isinstance(team.get("id"), str) else ""


@dataclass(frozen=True)
class Asker:
    """The person behind an activity, as the authenticated activity and the roster say."""

    person_id: str  # the Entra object id, lower case (GUIDs ignore case; the roster keeps lower)
    tenant: str
    personal: bool  # the activity came from a 1:1 chat
    team_id: str = ""  # the team of a channel conversation
    panels: tuple[Panel, ...] = ()  # the panels whose roster names this person, in this tenant

    @classmethod
    def of(cls, activity: Activity) -> Asker:
        person = str(getattr(activity.from_property, "aad_object_id", None) or "").lower()
        return cls(person, tenant_of(activity), is_personal(activity), team_of(activity))

    def among(self, panels: tuple[Panel, ...]) -> Asker:
        """This person with the panels they are on."""
        return replace(
            self,
            panels=tuple(
                p
                for p in panels
                if p.tenant_id == self.tenant and p.find(self.person_id) is not None
            ),
        )

    def panel(self, panel_id: str | None = None) -> Panel:
        if panel_id is None:
            if len(self.panels) != 1:
                raise InvalidInput("Say which panel.")
            return self.panels[0]
        for panel in self.panels:
            if panel.id == panel_id:
                return panel
        raise NotPermitted("You are not on that panel's roster.")

    def is_staff(self, panel: Panel) -> bool:
        member = panel.find(self.person_id)
        return member is not None and bool(member.roles & set(STAFF))


def asker_of(turn_context: TurnContext) -> Asker:
    """The turn's Asker, as the edge parsed it (parsed here only for a turn that did not come
    through the edge)."""
    asker = turn_context.turn_state.get(ASKER)
    if not isinstance(asker, Asker):
        asker = Asker.of(turn_context.activity)
        turn_context.turn_state[ASKER] = asker
    return asker
