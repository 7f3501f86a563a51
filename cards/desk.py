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
from panel.delivery import Delivery, Desk, DeskLine, Progress, Reach
from panel.words import plural

HOW_TO_REACH = (
    "ask them to open Early Help Panel in Teams (Apps, then search for it) and say hello to "
    "it, or add them to the panel's team"
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
    "referrer-news": "news for a referrer",
    "action": "an action from the panel",
    "console-update": "an update of the chair's console",
    "correction": "a correction from the chair",
    "escalation": "news of an escalation",
    "lead": "news of a case's lead practitioner",
    "step-up": "a case stepped up to the MASH",
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
        case Progress.WAITING | Progress.RETRYING if line.reach is Reach.NONE:
            return "cannot be reached yet: they have never opened a chat with the bot"
        case Progress.WAITING if line.reach is Reach.TEAM:
            return "waiting: the bot is opening a chat with them through the panel's team"
        case Progress.WAITING:
            return "waiting to go out (usually within a minute)"
        case Progress.RETRYING:
            return (
                f"not delivered yet: {d.problem}. Trying again at {_at(d.next_at)} "
                f"({plural(d.attempts, 'attempt')} so far)"
            )
        case Progress.GAVE_UP:
            email = f" ({line.email})" if line.email else ""
            return (
                f"not delivered, no more tries: {d.problem}. Please reach them another way{email}"
            )
        case Progress.DROPPED:
            return f"not sent, on purpose: {d.problem}"


def _channel(notice: Delivery) -> str:
    match notice.progress:
        case Progress.DELIVERED | Progress.READ:
            return "**The panel's channel**: the notice with the numbers was posted at " + _at(
                notice.at
            )
        case Progress.WAITING:
            return "**The panel's channel**: the notice with the numbers is waiting to go out"
        case Progress.RETRYING:
            return (
                f"**The panel's channel**: the notice is not posted yet: {notice.problem}. "
                f"Trying again at {_at(notice.next_at)}"
            )
        case _:
            return f"**The panel's channel**: the notice was not posted: {notice.problem}"


def _section(title: str, lines: Sequence[str]) -> list[CardElement]:
    if not lines:
        return []
    return [Container(separator=True, items=[note(title, subtle=False), note("\n\n".join(lines))])]


def _summary(desk: Desk) -> str:
    people = len(desk.lines)
    text = f"Delivered to {desk.delivered} of {plural(people, 'member')}"
    text += f" ({desk.read} read it)." if desk.read else "."
    if waiting := desk.waiting():
        text += f" On its way to {len(waiting)}."
    if unreachable := desk.unreachable():
        text += f" {len(unreachable)} cannot be reached yet."
    if lost := desk.not_reached():
        text += f" {len(lost)} must be reached another way."
    return text


def delivery(desk: Desk, *, what: str, notice: str = "") -> Card:
    """Where one sending has got to, per member: the answer to *Circulate* and *Remind now*."""
    arrived = [
        line
        for line in desk.lines
        if line.delivery and line.delivery.progress in (Progress.DELIVERED, Progress.READ)
    ]
    body: list[CardElement] = [heading(desk.what)]
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    body.append(note(_summary(desk), subtle=False))
    unreachable = desk.unreachable()
    if unreachable:
        body += _section(
            f"**Cannot be reached yet**: they have never opened a chat with the bot. Please "
            f"{HOW_TO_REACH}; the bot keeps trying for a day, then says here that it has "
            "stopped.",
            [_who(x) for x in unreachable],
        )
    body += _section("**On its way**", [f"{_who(x)}: {why(x)}" for x in desk.waiting()])
    lost = desk.not_reached()
    body += _section("**Please reach another way**", [f"{_who(x)}: {why(x)}" for x in lost])
    body += _section("**Delivered**", [f"{_who(x)}: {why(x)}" for x in arrived])
    dropped = [x for x in desk.lines if x.delivery and x.delivery.progress is Progress.DROPPED]
    body += _section("**Not sent**", [f"{_who(x)}: {why(x)}" for x in dropped])
    if desk.channel is not None:
        body += _section("**Channel**", [_channel(desk.channel)])
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
    text = []
    if cannot:
        text.append(
            f"Never opened a chat with the bot: {', '.join(_who(x) for x in cannot)}. Please "
            f"{HOW_TO_REACH}. You can circulate now: they get the list once they do."
        )
    if off:
        text.append(
            f"Not on Teams: {', '.join(_who(x) for x in off)}. After circulating you are asked "
            "to send them the list securely."
        )
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
        waiting, unreachable = len(desk.waiting()), len(desk.unreachable())
        lost = len(desk.not_reached())
        counts = [f"{waiting} on the way"] if waiting else []
        counts += (
            [f"{unreachable} waiting for people the bot cannot reach yet"] if unreachable else []
        )
        counts += [f"{lost} given up"] if lost else []
        summary = (
            f"**{desk.what}**: {plural(waiting + unreachable + lost, 'message')} not delivered "
            f"yet: {', '.join(counts)}."
        )
        body += _section(summary, lines)
    if any(d.unreachable() for d in shown):
        body.append(
            note(
                "For those the bot cannot reach yet: please " + HOW_TO_REACH + ".",
                subtle=False,
            )
        )
    return card(body)
