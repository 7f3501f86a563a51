"""After the panel: the lead's milestone nudge (done, not possible, or stuck: back to panel)
and the monthly drift report. Both go 1:1 only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from microsoft_teams.cards import CardElement, Container, DateInput, TextInput

from cards import verbs
from cards.common import Card, action, card, day, error, heading, literal, note

FOLLOW_UP_FIELDS = frozenset({"done_on", "reason"})
STAGE_TITLES = {"upcoming": "Coming up", "due": "Due today", "overdue": "Overdue"}


def milestone(data: Mapping[str, Any], *, problem: str = "") -> Card:
    ids = {"panel": str(data["panel_id"]), "case": str(data["case_id"])}
    due = date.fromisoformat(str(data["due"]))
    body: list[CardElement] = [
        heading(f"{STAGE_TITLES.get(str(data.get('stage')), 'Follow-up')}: {data['reference']}"),
        note(f"{data['label']}: due {day(due)}.", subtle=False),
    ]
    if problem:
        body.append(error(problem))
    body += [
        DateInput(id="done_on", label="Done on"),
        TextInput(
            id="reason",
            label="If it cannot be done, or the case is stuck: why",
            max_length=500,
            is_multiline=True,
        ),
    ]
    return card(
        body,
        [
            action("Mark done", verbs.MILESTONE_DONE, milestone=str(data["milestone"]), **ids),
            action(
                "Not possible",
                verbs.MILESTONE_NOT_POSSIBLE,
                milestone=str(data["milestone"]),
                **ids,
            ),
            action("Stuck: back to panel", verbs.CASE_STUCK, **ids),
        ],
    )


def milestones(plan: Sequence[tuple[str, str, str]], *, notice: str) -> Card:
    """The case's plan after a change: (label, due, state) per milestone."""
    return card(
        [
            heading("Follow-up plan"),
            note(notice, subtle=False, color="Good"),
            *(note(f"{label}: {due} — {state}", subtle=False) for label, due, state in plan),
        ]
    )


def drift(text: str, sections: Mapping[str, Sequence[str]]) -> Card:
    body: list[CardElement] = [heading("Drift report"), note(text, subtle=False)]
    for title, lines in sections.items():
        items: list[CardElement] = [note(f"**{title}** ({len(lines)})", subtle=False)]
        items += [literal(line) for line in lines] or [note("None.")]
        body.append(Container(separator=True, items=items))
    return card(body)
