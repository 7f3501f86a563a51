"""Business support's delivery desk: who has the case list (or a reminder, or any message),
who is still waiting and why, who must be reached another way. The words are here, in one
place, as a business support officer would say them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import CardElement, Container

from cards.common import Card, action, card, heading, note
from cards.verbs import Verb
from panel.calendar import long_date
from panel.delivery import Desk, DeskLine, Progress, Reach
from panel.words import plural

HOW_TO_REACH = (
    "ask them to open Early Help Panel in Teams (Apps, then search for it) and say hello, or "
    "add them to the panel's team"
)
KIND_NAMES = {
    "circulation": "the case list",
    "info-check-reminder": "an information check reminder",
    "still-missing": "who is still missing",
    "referral-rolled-over": "a case rolled over",
    "no-teams-list": "members not on Teams",
    "panel-started": "the sign-in request",
    "case-card": "a case card",
    "vote-ballot": "a ballot",
    "vote-result": "a vote result",
    "allocation": "an allocation",
    "outcome": "an outcome",
    "record-on-case-system": "a record-on-case-system request",
    "minutes": "the minutes",
    "milestone-due": "a follow-up deadline",
    "drift-report": "the drift report",
    "circulation-notice": "the channel notice of the list",
    "outcome-notice": "the channel notice of an outcome",
    "break": "a break notice",
}


def _at(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"{moment:%H:%M} on {long_date(moment.date())}"


def _who(line: DeskLine) -> str:
    return f"**{line.name}** ({line.agency})" if line.agency else f"**{line.name}**"


def why(line: DeskLine) -> str:
    """Where one person's message has got to, and what anyone can do about it."""
    d = line.delivery
    if d is None:
        return f"is not on Teams: please send it to {line.email or 'them'} securely"
    match d.progress:
        case Progress.READ:
            return f"read (by {_at(d.at)})"
        case Progress.DELIVERED:
            return f"delivered at {_at(d.at)}"
        case Progress.WAITING if line.reach is Reach.NONE:
            return f"waiting: they cannot be reached yet: {HOW_TO_REACH}"
        case Progress.WAITING if line.reach is Reach.TEAM:
            return "waiting: the bot is opening a chat with them through the panel's team"
        case Progress.WAITING:
            return "waiting to go out (usually within a minute)"
        case Progress.RETRYING:
            advice = f"; {HOW_TO_REACH}" if line.reach is Reach.NONE else ""
            return (
                f"not delivered yet: {d.problem}{advice}. Trying again at {_at(d.next_at)} "
                f"({plural(d.attempts, 'attempt')} so far)"
            )
        case Progress.GAVE_UP:
            email = f" ({line.email})" if line.email else ""
            return (
                f"not delivered, no more tries: {d.problem}. Please reach them another way{email}"
            )
        case Progress.DROPPED:
            return f"not sent, on purpose: {d.problem}"


def _section(title: str, lines: Sequence[str]) -> list[CardElement]:
    if not lines:
        return []
    return [Container(separator=True, items=[note(title, subtle=False), note("\n\n".join(lines))])]


def delivery(desk: Desk, *, what: str, notice: str = "") -> Card:
    """Where one sending has got to, per member: the answer to *Circulate* and *Remind now*."""
    people = len(desk.lines)
    waiting, lost = desk.waiting(), desk.not_reached()
    arrived = [
        line
        for line in desk.lines
        if line.delivery and line.delivery.progress in (Progress.DELIVERED, Progress.READ)
    ]
    summary = f"Delivered to {desk.delivered} of {plural(people, 'member')}"
    summary += f" ({desk.read} read it)." if desk.read else "."
    if waiting:
        summary += f" Still on its way to {len(waiting)}."
    if lost:
        summary += f" {len(lost)} must be reached another way."
    body: list[CardElement] = [heading(desk.what), note(summary, subtle=False)]
    if notice:
        body.insert(1, note(notice, subtle=False, color="Good"))
    body += _section("**Waiting**", [f"{_who(x)}: {why(x)}" for x in waiting])
    body += _section("**Please reach another way**", [f"{_who(x)}: {why(x)}" for x in lost])
    body += _section("**Delivered**", [f"{_who(x)}: {why(x)}" for x in arrived])
    dropped = [x for x in desk.lines if x.delivery and x.delivery.progress is Progress.DROPPED]
    body += _section("**Not sent**", [f"{_who(x)}: {why(x)}" for x in dropped])
    if not desk.lines:
        body.append(note("Nothing has been sent for this yet."))
    refs = {"panel": desk.panel_id, "meeting": desk.meeting_id}
    return card(
        body,
        [
            action("Check again", Verb.DELIVERY_VIEW, what=what, **refs),
            action("Readiness", Verb.READINESS_VIEW, **refs),
            action("Agenda", Verb.AGENDA_VIEW, panel=desk.panel_id),
        ],
    )


def reach_check(lines: Sequence[DeskLine], members: int) -> list[CardElement]:
    """Before circulating: the members the bot cannot reach yet, and what to do."""
    if not lines:
        return [note(f"The bot can reach all {plural(members, 'member')}.")]
    cannot = [x for x in lines if x.reach is Reach.NONE]
    off = [x for x in lines if x.reach is Reach.NOT_ON_TEAMS]
    text = [
        f"{_who(x)} has not opened a chat with the bot and is not in a team the bot is "
        f"installed in: {HOW_TO_REACH}"
        for x in cannot
    ] + [
        f"{_who(x)} is not on Teams: you will be asked to send them the list securely" for x in off
    ]
    title = (
        f"**Before you circulate**: the bot cannot reach {len(lines)} of "
        f"{plural(members, 'member')} yet."
    )
    return [Container(separator=True, items=[note(title, subtle=False), note("\n\n".join(text))])]


def undelivered(desks: Sequence[Desk]) -> Card:
    """Every message not delivered yet, per person, for the panels' staff."""
    body: list[CardElement] = [heading("Messages not delivered")]
    shown = [d for d in desks if d.lines]
    if not shown:
        body.append(note("Everything the bot has sent has been delivered.", subtle=False))
    for desk in shown:
        lines = [
            f"{_who(x)}, {KIND_NAMES.get(x.delivery.kind, 'a message')}: {why(x)}"
            for x in desk.lines
            if x.delivery is not None
        ]
        waiting = len(desk.waiting())
        lost = len(desk.not_reached())
        summary = f"{desk.what}: {waiting} on the way, {lost} given up."
        body += _section(summary, lines)
    return card(body)
