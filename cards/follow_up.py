"""After the panel: the lead's milestone nudge (done, not possible, or stuck: back to panel)
and the monthly drift report. Both go 1:1 only."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import (
    CardElement,
    ChoiceSetInput,
    Container,
    DateInput,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards import Choice as CardChoice

from cards.common import Card, action, asking, card, day, error, heading, literal, note, why
from cards.verbs import Verb
from panel.messages import MilestoneNudge, StepUpNotice
from panel.policy import MAX_CLOSURE_CHECKS
from panel.usecases.leads import CaseloadLine
from panel.words import plural

FOLLOW_UP_FIELDS = frozenset(
    {
        "done_on",
        "reason",
        "close_reason",
        "close_note",
        "concern",
        *(f"close_check{n}" for n in range(1, MAX_CLOSURE_CHECKS + 1)),
    }
)
# Why support ends. Barnet 001 §7.3: the TAF recurs «until it is agreed that: either the plan
# has been completed, a further need is identified; or the child's needs escalate to require
# Children's Social Care interventions»; the last three are what also ends support elsewhere.
CLOSE_REASONS = (
    "The plan has been completed, as the Team Around the Family agreed",
    "A further need is identified: referred on",
    "The child's needs require Children's Social Care",
    "The family withdrew its consent or stopped engaging",
    "The family moved away",
    "Other (say below)",
)
STAGE_TITLES = {"upcoming": "Coming up", "due": "Due today", "overdue": "Overdue"}


def milestone(data: MilestoneNudge, *, problem: str = "") -> Card:
    ids = {"panel": data.panel_id, "case": data.case_id}
    body: list[CardElement] = [
        heading(f"{STAGE_TITLES.get(data.stage, 'Follow-up')}: {data.reference}"),
        note(f"{data.label}: due {day(data.due)}.", subtle=False),
    ]
    if data.who:
        body.append(note(f"Overdue for {data.who}.", subtle=False, color="Attention"))
    if problem:
        body.append(error(problem))
    if not data.acts:
        # Told, not offered buttons its reader could not use.
        who = data.agency or "the lead agency"
        body.append(note(f"For {who} to act on: ask them, or the chair.", subtle=False))
        return card(body)
    body += [
        DateInput(id="done_on", label="Done on"),
        TextInput(
            id="reason",
            label=(
                "If it cannot be done, is extended (who agreed it in supervision), or the case "
                "is stuck: why"
                if data.extend_to
                else "If it cannot be done, or the case is stuck: why"
            ),
            max_length=500,
            is_multiline=True,
        ),
    ]
    actions = [
        action("Mark done", Verb.MILESTONE_DONE, milestone=data.milestone, **ids),
        action("Not possible", Verb.MILESTONE_NOT_POSSIBLE, milestone=data.milestone, **ids),
    ]
    if data.extend_to:
        actions.append(
            action(
                f"Extend to {data.extend_to}",
                Verb.MILESTONE_EXTEND,
                milestone=data.milestone,
                **ids,
            )
        )
    actions.append(action("Stuck: back to panel", Verb.CASE_STUCK, **ids))
    closing: list[CardElement] = [
        ChoiceSetInput(
            id="close_reason",
            label="Why support ends",
            style="compact",
            is_required=True,
            error_message="Choose why support ends.",
            choices=[CardChoice(title=r, value=r) for r in CLOSE_REASONS],
        ),
        TextInput(id="close_note", label="Anything to add (kept with the case)", max_length=400),
        *(
            ToggleInput(id=f"close_check{n}", title=check, value_on="true", value_off="false")
            for n, check in enumerate(data.closure_checks, 1)
        ),
        note("Closing stops the follow-up and its nudges. It cannot be undone."),
    ]
    stepping: list[CardElement] = [
        why(
            "concern",
            "The safeguarding concern (to your line manager, the chair and business support)",
            "Say what the concern is.",
            max_length=500,
        ),
        note("Refer it to the MASH too, as your agency's procedures say. The case stays open."),
    ]
    return card(
        body,
        [
            *actions,
            asking(
                "Step up",
                stepping,
                [action("Step up now", Verb.CASE_STEP_UP, **ids)],
            ),
            asking(
                "Close the case",
                closing,
                [action("Close the case", Verb.CASE_CLOSE, **ids)],
            ),
        ],
    )


def step_up(data: StepUpNotice) -> Card:
    body: list[CardElement] = [
        heading(f"Stepped up: case {data.reference}"),
        note(data.what, subtle=False, color="Attention"),
        literal(data.concern, label="Concern"),
    ]
    if data.mash_contact:
        body.append(note(f"The MASH: {data.mash_contact}", subtle=False))
    return card(body)


def caseloads(lines: Sequence[CaseloadLine]) -> Card:
    """Who leads how many families, against their limit, panel by panel (counts only)."""
    body: list[CardElement] = [heading("Caseloads")]
    if not lines:
        body.append(note("Nobody leads a case yet, and nobody has a caseload limit.", subtle=False))
    for panel_name in dict.fromkeys(line.panel_name for line in lines):
        rows: list[CardElement] = [note(f"**{panel_name}**", subtle=False)]
        for line in (x for x in lines if x.panel_name == panel_name):
            limit = f" of {line.limit}" if line.limit is not None else " (no limit set)"
            over = line.limit is not None and line.families > line.limit
            rows.append(
                note(
                    f"{line.name} ({line.agency}): "
                    f"{plural(line.families, 'family', 'families')}{limit}"
                    + (": over the limit" if over else ""),
                    subtle=False,
                    color="Attention" if over else None,
                )
            )
        body.append(Container(separator=True, items=rows))
    return card(body, [action("Refresh", Verb.CASELOADS_VIEW)])


def milestones(plan: Sequence[tuple[str, str, str]], *, notice: str) -> Card:
    """The case's plan after a change: (label, due, state) per milestone."""
    return card(
        [
            heading("Follow-up plan"),
            note(notice, subtle=False, color="Good"),
            *(note(f"{label}: {due} — {state}", subtle=False) for label, due, state in plan),
        ]
    )


def drift(text: str, sections: Sequence[tuple[str, Sequence[str]]]) -> Card:
    body: list[CardElement] = [heading("Drift report"), note(text, subtle=False)]
    for title, lines in sections:
        items: list[CardElement] = [note(f"**{title}** ({len(lines)})", subtle=False)]
        items += [literal(line) for line in lines] or [note("None.")]
        body.append(Container(separator=True, items=items))
    return card(body)
