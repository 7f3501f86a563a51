"""Where the bot's 1:1 messages have got to, said as business support need it: per person,
delivered or read, still on its way and why, or given up and why (docs/safeguards.md §10).

The outbox knows each message's state; the bot knows whether a person can be reached at all
(a chat with the bot, or a team the bot can open one from). This module joins the two with the
panel's roster into a `Desk`: the view a card shows after *Circulate* or *Remind now*, before
circulating (who cannot be reached yet), and in `undelivered`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from panel.messages import CHANNEL, PERSON
from panel.roster import Member, Panel, Role

# How the outbox marks a message's last error once it stopped trying: storage writes it, the
# desk and business support's digest read past it.
GAVE_UP_PREFIX = "gave up: "


class Progress(StrEnum):
    """How far one queued message has got, from the outbox's columns."""

    WAITING = "waiting"  # not tried yet (or being sent now)
    RETRYING = "retrying"  # tried, failed, due again at `next_at`
    DELIVERED = "delivered"  # Teams took it
    READ = "read"  # Teams sent a read receipt covering it
    GAVE_UP = "gave-up"  # no more attempts: reach the person another way
    DROPPED = "dropped"  # not sent on purpose: what it was about had gone


ON_ITS_WAY = frozenset({Progress.WAITING, Progress.RETRYING})
ARRIVED = frozenset({Progress.DELIVERED, Progress.READ})


@dataclass(frozen=True)
class Delivery:
    """One queued message, without its content: to whom, what kind, where it has got to."""

    key: str
    recipient: str  # "person:<id>" or "channel:<panel>"
    kind: str
    progress: Progress
    attempts: int = 0
    problem: str = ""  # the last failure, in words business support can act on
    next_at: datetime | None = None  # when it is tried again (retrying)
    at: datetime | None = None  # when it was delivered, read or given up

    @property
    def person_id(self) -> str | None:
        return self.recipient.removeprefix(PERSON) if self.recipient.startswith(PERSON) else None


class Reach(StrEnum):
    """Whether the bot can start a 1:1 chat with a person right now."""

    CHAT = "chat"  # they have a chat with the bot
    TEAM = "team"  # not yet, but they are in a team the bot is in: it opens the chat
    NONE = "none"  # neither: they must open the bot in Teams first
    NOT_ON_TEAMS = "not-on-teams"  # the roster says they do not use Teams


@dataclass(frozen=True)
class DeskLine:
    """One person's message: who, and where it has got to."""

    name: str
    agency: str
    reach: Reach
    delivery: Delivery | None  # None: nothing was queued for them (not on Teams)
    email: str = ""


@dataclass(frozen=True)
class Desk:
    """Business support's delivery view of one thing sent to several people."""

    what: str  # "The case list for the panel on Tuesday 15 December 2026"
    lines: tuple[DeskLine, ...]
    panel_id: str = ""
    meeting_id: str = ""
    channel: Delivery | None = None  # the notice to the panel's channel that went with it

    @property
    def delivered(self) -> int:
        return sum(1 for line in self.lines if line.delivery and line.delivery.progress in ARRIVED)

    @property
    def read(self) -> int:
        return sum(
            1 for line in self.lines if line.delivery and line.delivery.progress is Progress.READ
        )

    def waiting(self) -> list[DeskLine]:
        """On its way to someone the bot can reach: Teams will have it shortly."""
        return [line for line in self._on_its_way() if line.reach is not Reach.NONE]

    def unreachable(self) -> list[DeskLine]:
        """On its way to someone the bot cannot reach yet: it waits for them to open a chat."""
        return [line for line in self._on_its_way() if line.reach is Reach.NONE]

    def _on_its_way(self) -> list[DeskLine]:
        return [
            line for line in self.lines if line.delivery and line.delivery.progress in ON_ITS_WAY
        ]

    def not_reached(self) -> list[DeskLine]:
        """Given up, or never queued (not on Teams): someone must reach them another way."""
        return [
            line
            for line in self.lines
            if line.delivery is None or line.delivery.progress in (Progress.GAVE_UP,)
        ]


def members_to_reach(panel: Panel) -> list[Member]:
    """The members the case list goes to: those of the panel's agencies."""
    return [m for m in panel.with_role(Role.MEMBER) if panel.agency_of(m)]


def desk_of(
    what: str,
    panel: Panel,
    people: Sequence[Member],
    deliveries: Iterable[Delivery],
    reach: Mapping[str, Reach],
    meeting_id: str = "",
) -> Desk:
    """A line per person, with the newest message queued for them (the latest reminder), and
    a line for each person not on Teams (nothing was queued: someone must send it)."""
    newest: dict[str, Delivery] = {}
    for delivery in deliveries:
        person = delivery.person_id
        if person is not None:
            newest[person] = delivery  # the outbox lists them oldest first
    lines = tuple(
        _line(panel, member, newest.get(member.person_id), reach)
        for member in people
        if member.person_id in newest or not member.has_teams
    )
    return Desk(what, lines, panel.id, meeting_id)


def every_message(panel: Panel, deliveries: Iterable[Delivery], reach: Mapping[str, Reach]) -> Desk:
    """A line per message to someone on this panel (or its channel), oldest first."""
    lines = []
    for delivery in deliveries:
        person = delivery.person_id
        member = panel.find(person) if person is not None else None
        if member is not None:
            lines.append(_line(panel, member, delivery, reach))
        elif delivery.recipient == f"{CHANNEL}{panel.id}":
            lines.append(DeskLine("The panel's channel", "", Reach.TEAM, delivery))
    return Desk(panel.name, tuple(lines), panel.id)


def _line(
    panel: Panel, member: Member, delivery: Delivery | None, reach: Mapping[str, Reach]
) -> DeskLine:
    state = Reach.NOT_ON_TEAMS if not member.has_teams else reach.get(member.person_id, Reach.NONE)
    return DeskLine(member.name, panel.agency_of(member) or "", state, delivery, member.email)


def unreachable(panel: Panel, reach: Mapping[str, Reach]) -> list[DeskLine]:
    """Before circulating: the members the bot cannot reach yet, and those not on Teams."""
    return [
        DeskLine(member.name, panel.agency_of(member) or "", state, None, member.email)
        for member in members_to_reach(panel)
        for state in [
            Reach.NOT_ON_TEAMS if not member.has_teams else reach.get(member.person_id, Reach.NONE)
        ]
        if state in (Reach.NONE, Reach.NOT_ON_TEAMS)
    ]
