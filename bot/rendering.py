"""A queued message as Teams will see it: the card for its kind, from its payload."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from cards import follow_up, panel_day, verbs, week
from cards.common import Card, action, message
from panel.ports import Kind
from panel.queries import MemberPack


def without_cases(payload: Mapping[str, Any], gone: frozenset[str]) -> Mapping[str, Any] | None:
    """The payload without the cases that have gone, from a message about several (the
    circulation pack lists its cases under data.cases, each with its case_id); None if none
    is left."""
    if not gone:
        return payload
    data = payload.get("data")
    cases = data.get("cases") if isinstance(data, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(cases, list):
        return None
    kept = [c for c in cases if not (isinstance(c, Mapping) and c.get("case_id") in gone)]
    return {**payload, "data": {**data, "cases": kept}} if kept else None


def render(kind: str, payload: Mapping[str, Any]) -> Card:
    """The card for a queued message. Only 1:1 kinds may carry case data; channel notices are
    built from their counts and the use case's own sentence."""
    text = str(payload.get("text", ""))
    data: Mapping[str, Any] = payload.get("data") or {}
    if kind == Kind.CIRCULATION.value:
        return week.circulation(
            MemberPack(
                meeting_id=str(data["meeting_id"]),
                panel_name=str(data["panel_name"]),
                panel_date=date.fromisoformat(str(data["panel_date"])),
                deadline_at=datetime.fromisoformat(str(data["deadline_at"])),
                agency=str(data["agency"]),
                past_deadline=False,
                cases=tuple(data["cases"]),
                answers={},
                capacity=None,
            )
        )
    if kind == Kind.INFO_CHECK_REMINDER.value and "meeting_id" in data:
        return week.reminder(text, str(data["meeting_id"]))
    if "counts" in payload:
        return week.notice(text, {str(k): int(v) for k, v in payload["counts"].items()})
    if kind == Kind.PANEL_STARTED.value:
        return panel_day.sign_in(data)
    if kind == Kind.CASE_CARD.value:
        return panel_day.case_card(data)
    if kind == Kind.VOTE_BALLOT.value:
        return panel_day.ballot(data)
    if kind == Kind.VOTE_RESULT.value:
        return message(
            text,
            actions=[
                action("Open the console", verbs.PANEL_CONSOLE, meeting=str(data["meeting_id"]))
            ],
        )
    if kind == Kind.ALLOCATION.value:
        return panel_day.allocation(text, data.get("milestones", []))
    if kind == Kind.RECORD_ON_CASE_SYSTEM.value:
        return panel_day.record_tick(text, str(data["meeting_id"]), str(data["case_id"]))
    if kind == Kind.MINUTES.value:
        return panel_day.minutes(data)
    if kind == Kind.MILESTONE_DUE.value:
        return follow_up.milestone(data)
    if kind == Kind.DRIFT_REPORT.value:
        return follow_up.drift(text, data.get("sections", {}))
    return message(text)


def activity_for(card: Card, text: str, marker: str = "") -> Activity:
    if marker:
        # How a send with an unknown outcome is found again in the conversation (bot/graph.py).
        card = {**card, "id": marker}
    activity: Activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    # The notification preview Teams shows: the bot's own sentence, never the card's content.
    activity.summary = text[:200]
    return activity
