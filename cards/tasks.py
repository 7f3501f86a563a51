"""Each person's tasks ("my tasks"): what is waiting for them, panel by panel, each with its
deadline (counts only); and the lead's own desk: the milestones of the cases they lead, with
references and dates (1:1 only, as every card with case data)."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import CardElement, Column, ColumnSet, Container

from cards.common import Card, action, buttons, card, day, heading, note, when
from cards.verbs import Verb
from panel.usecases.desk import Desk
from panel.usecases.tasks import Task, TaskKind
from panel.words import plural

TASK_TEXT = {  # (the thing counted, its plural, what is to be done)
    TaskKind.SCREEN: ("new case", "new cases", "to screen"),
    TaskKind.ANSWER: ("case", "cases", "to answer for your agency's information check"),
    TaskKind.CAPACITY: ("", "", "Your agency's capacity to give (how many new cases it can lead)"),
    TaskKind.READINESS: ("agency", "agencies", "still to finish their information checks"),
}


def _task_text(task: Task) -> str:
    one, many, todo = TASK_TEXT[task.kind]
    text = f"{plural(task.count, one, many)} {todo}" if one else todo
    if task.due_at is None:
        return text + "."
    if task.kind is TaskKind.SCREEN:
        return text + f", before the agenda freezes on {when(task.due_at)}."
    return text + f", by {when(task.due_at)}."


def tasks(items: Sequence[Task], desk: Desk | None = None) -> Card:
    """What is waiting for this person, panel by panel, each with its deadline; then the cases
    they lead, each open milestone with its date and a button to act on it."""
    body: list[CardElement] = [heading("Your tasks")]
    actions = []
    follow_ups = desk.items if desk else ()
    if not items and not follow_ups:
        body.append(note("Nothing is waiting for you.", subtle=False))
    if desk is not None and follow_ups:
        body.append(_desk(desk))
    for panel_name in dict.fromkeys(task.panel_name for task in items):
        lines = [_task_text(t) for t in items if t.panel_name == panel_name]
        body.append(
            Container(
                separator=True,
                items=[note(f"**{panel_name}**", subtle=False), note("\n\n".join(lines))],
            )
        )
    for task in items:
        if task.kind is TaskKind.SCREEN:
            actions.append(action("Screen cases", Verb.CASE_LIST, panel=task.panel_id))
        elif task.kind in (TaskKind.ANSWER, TaskKind.CAPACITY) and task.meeting_id:
            actions.append(action("Open my cases", Verb.PACK_OPEN, meeting=task.meeting_id))
        elif task.kind is TaskKind.READINESS and task.meeting_id:
            actions.append(
                action(
                    "Readiness", Verb.READINESS_VIEW, panel=task.panel_id, meeting=task.meeting_id
                )
            )
    unique = {(a.verb, a.title): a for a in actions}  # one button per kind of task
    return card(body, list(unique.values()))


def _desk(desk: Desk) -> Container:
    rows: list[CardElement] = [note("**Your cases: follow-up**", subtle=False)]
    for item in desk.items:
        late = " (overdue)" if item.late else ""
        when = f"since {day(item.due)}" if item.escalation else f"due {day(item.due)}{late}"
        opens = (
            action("Open", Verb.ESCALATION_VIEW, panel=item.panel_id, case=item.case_id)
            if item.escalation
            else action(
                "Open",
                Verb.MILESTONE_VIEW,
                panel=item.panel_id,
                case=item.case_id,
                milestone=item.milestone,
            )
        )
        rows.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(
                        width="stretch",
                        items=[
                            note(
                                f"{item.reference} · {item.label} · {when}",
                                subtle=False,
                                color="Attention" if item.late else None,
                            )
                        ],
                    ),
                    Column(
                        width="auto",
                        items=[buttons(opens)],
                    ),
                ],
            )
        )
    if desk.more:
        rows.append(note(f"And {plural(desk.more, 'more milestone')} after these."))
    return Container(separator=True, items=rows)
