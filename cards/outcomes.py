"""Decisions and escalations, 1:1: the chair's outcome form (one outcome, or a combination where
the policy allows it; the decision checklist answered; "agreed without a vote" said rather
than assumed) and its parser; the chair's escalation form; and the escalation's card and
resolution form for its owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from microsoft_teams.cards import (
    CardElement,
    ChoiceSetInput,
    DateInput,
    ExecuteAction,
    NumberInput,
    ShowCardAction,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards import (
    Choice as CardChoice,
)

from cards import inputs as inputs_
from cards.common import Card, action, asking, back, card, day, error, heading, literal, note, why
from cards.verbs import Verb
from panel.calendar import Period, Unit
from panel.console import ChairView, ItemState, ItemView
from panel.errors import InvalidInput
from panel.escalations import MAX_INTERIM, MAX_RESOLUTION, MAX_WHY
from panel.messages import EscalationNotice
from panel.outcomes import (
    CHECK_ANSWERS,
    MAX_CHECK_ANSWER,
    MAX_REASON,
    MAX_TEXT,
    Action,
    Decision,
    is_question,
)
from panel.policy import MAX_CHECKLIST
from panel.usecases.escalations import EscalationView

ACTION_SLOTS = 3
MAX_TAF_DAYS = 60
CHECK_FIELDS = frozenset(f"check{i}" for i in range(1, MAX_CHECKLIST + 1))
OUTCOME_FIELDS = frozenset(
    {
        "outcome",
        "lead",
        "taf",
        "taf_within",
        "rationale",
        "dissent",
        "change_reason",
        "agreed",
        *CHECK_FIELDS,
        *(f"action{i}_{p}" for i in range(1, ACTION_SLOTS + 1) for p in ("owner", "text", "due")),
    }
)
ESCALATION_FIELDS = frozenset(
    {"owner", "interim_service", "interim_agency", "raise_reason", "resolution"}
)
AGREED = "true"


def _outcome_inputs(
    outcomes: Sequence[tuple[str, str]],
    agencies: Sequence[str],
    combine: bool,
    filled: Mapping[str, str],
) -> list[CardElement]:
    """Outcome(s), lead, Team Around the Family and its first meeting's time frame."""
    choices = [CardChoice(title=a, value=a) for a in agencies]
    return [
        ChoiceSetInput(
            id="outcome",
            label="Outcomes (one, or a combination)" if combine else "Outcome",
            is_required=True,
            error_message="Choose an outcome.",
            style="expanded" if combine else "compact",
            is_multi_select=combine or None,
            value=filled.get("outcome"),
            choices=[CardChoice(title=label, value=code) for code, label in outcomes],
        ),
        ChoiceSetInput(
            id="lead",
            label="Lead agency",
            style="compact",
            value=filled.get("lead"),
            choices=choices,
        ),
        ChoiceSetInput(
            id="taf",
            label="Team Around the Family agencies",
            style="expanded",
            is_multi_select=True,
            value=filled.get("taf"),
            choices=choices,
        ),
        NumberInput(
            id="taf_within",
            label="First TAF meeting within (working days from the panel; sets its due date)",
            min=1,
            max=MAX_TAF_DAYS,
            value=inputs_.number_to_show(filled.get("taf_within")),
        ),
    ]


def _checklist_inputs(view: ChairView, filled: Mapping[str, str]) -> list[CardElement]:
    """Each line answered: a question in words, a statement Yes, No or Not applicable."""
    if not view.checklist:
        return []
    said = "answer every line" if view.checklist_required else "answer the lines that apply"
    body: list[CardElement] = [note(f"**Decision checklist** ({said})", subtle=False)]
    for n, line in enumerate(view.checklist, 1):
        key = f"check{n}"
        if is_question(line):
            body.append(
                TextInput(
                    id=key,
                    label=f"{n}. {line}",
                    max_length=MAX_CHECK_ANSWER,
                    is_required=view.checklist_required or None,
                    error_message="Answer this line." if view.checklist_required else None,
                    value=filled.get(key),
                )
            )
        else:
            body.append(
                ChoiceSetInput(
                    id=key,
                    label=f"{n}. {line}",
                    style="compact",
                    is_required=view.checklist_required or None,
                    error_message="Answer this line." if view.checklist_required else None,
                    value=filled.get(key),
                    placeholder="Yes, No or Not applicable",
                    choices=[CardChoice(title=a, value=a) for a in CHECK_ANSWERS],
                )
            )
    return body


def outcome_form(
    view: ChairView,
    item: ItemView,
    *,
    values: Mapping[str, str] | None = None,
    problem: str = "",
    changing: bool = False,
) -> Card:
    """The outcome to record; `changing`: the recorded one, to correct before the panel closes
    (with a reason, for the minutes and for everyone told it)."""
    filled = dict(values or {})
    if item.winner and "lead" not in filled:
        filled["lead"] = item.winner
    if item.state is not ItemState.VOTED and not changing:
        # Pressed as "Record outcome (agreed)": said already, and the chair can untick it.
        filled.setdefault("agreed", AGREED)
    title = "Change the outcome" if changing else "Outcome"
    body: list[CardElement] = [heading(f"{title} for item {item.number}: {item.reference}")]
    if item.result:
        body.append(note(item.result, subtle=False))
    if problem:
        body.append(error(problem))
    body += _outcome_inputs(view.outcomes, view.agencies, view.combine_outcomes, filled)
    body += _checklist_inputs(view, filled)
    if item.state is not ItemState.VOTED and not (changing and item.winner):
        # With no vote that decided it, the chair says how it was decided (for the minutes).
        body.append(
            ToggleInput(
                id="agreed",
                title="The panel agreed this without a vote",
                value_on=AGREED,
                value_off="false",
                value=filled.get("agreed", "false"),
            )
        )
    body += _action_inputs(view, filled)
    body += _reasons(filled)
    if changing:
        body.append(
            why(
                "change_reason",
                "Why change it (for the minutes, and told to everyone who heard the outcome)",
                "Say why the outcome is changed.",
                max_length=MAX_REASON,
                value=filled.get("change_reason"),
            )
        )
    return card(
        body,
        [
            action(
                "Save the change" if changing else "Record outcome",
                Verb.OUTCOME_RECORD,
                meeting=view.meeting_id,
                case=item.case_id,
            ),
            back("Back to the console", Verb.PANEL_CONSOLE, meeting=view.meeting_id),
        ],
    )


def _reasons(filled: Mapping[str, str]) -> list[CardElement]:
    return [
        TextInput(
            id="rationale",
            label="Rationale",
            is_multiline=True,
            max_length=MAX_TEXT,
            value=filled.get("rationale"),
        ),
        TextInput(
            id="dissent",
            label="Dissent (who, and why)",
            is_multiline=True,
            max_length=MAX_TEXT,
            value=filled.get("dissent"),
        ),
    ]


def _action_inputs(view: ChairView, filled: Mapping[str, str]) -> list[CardElement]:
    agencies = [CardChoice(title=a, value=a) for a in view.agencies]
    body: list[CardElement] = []
    for i in range(1, ACTION_SLOTS + 1):
        body += [
            ChoiceSetInput(
                id=f"action{i}_owner",
                label=f"Action {i}: owner",
                style="compact",
                value=filled.get(f"action{i}_owner"),
                choices=agencies,
            ),
            TextInput(
                id=f"action{i}_text",
                label=f"Action {i}: what",
                max_length=500,
                value=filled.get(f"action{i}_text"),
            ),
            DateInput(
                id=f"action{i}_due",
                label=f"Action {i}: due",
                value=filled.get(f"action{i}_due") or None,
            ),
        ]
    return body


def inputs_of(decision: Decision, checklist: Sequence[str]) -> dict[str, str]:
    """A recorded decision as the outcome form's inputs, to change it."""
    values = {
        "outcome": ",".join(decision.outcomes),
        "lead": decision.lead_agency or "",
        "taf": ",".join(decision.taf_agencies),
        "rationale": decision.rationale,
        "dissent": decision.dissent,
        "agreed": AGREED if decision.agreed else "false",
    }
    answers = dict(decision.checklist)
    for n, line in enumerate(checklist, 1):
        if answers.get(line):
            values[f"check{n}"] = answers[line]
    if decision.first_taf_within is not None:
        values["taf_within"] = str(decision.first_taf_within.amount)
    for i, task in enumerate(decision.actions[:ACTION_SLOTS], 1):
        values |= {
            f"action{i}_owner": task.owner,
            f"action{i}_text": task.text,
            f"action{i}_due": task.due.isoformat(),
        }
    return values


def _core(
    case_id: str, inputs: Mapping[str, str], today: date, outcomes: Sequence[tuple[str, str]]
) -> Decision:
    """Outcome(s), lead, TAF and its time frame; `check_decision` judges them next."""
    chosen = [c.strip() for c in inputs_.text(inputs, "outcome", 1000, "The outcome").split(",")]
    order = [code for code, _ in outcomes]
    # The main outcome is the first in the panel's own order, whatever order they were ticked.
    codes = sorted({c for c in chosen if c}, key=lambda c: order.index(c) if c in order else -1)
    if not codes:
        raise InvalidInput("Choose an outcome.")
    agencies = inputs_.text(inputs, "taf", 2000, "The TAF agencies").split(",")
    days = inputs_.whole_number(
        inputs, "taf_within", "The first TAF time frame (working days)", low=1, high=MAX_TAF_DAYS
    )
    return Decision(
        case_id=case_id,
        outcome=codes[0],
        also=tuple(codes[1:]),
        decided_on=today,
        lead_agency=inputs_.text(inputs, "lead", 200, "The lead agency") or None,
        taf_agencies=tuple(a.strip() for a in agencies if a.strip()),
        first_taf_within=None if days is None else Period(days, Unit.WORKING_DAYS),
    )


def decision_from_inputs(
    case_id: str, inputs: Mapping[str, str], today: date, view: ChairView
) -> Decision:
    """The outcome form's inputs as a Decision; `check_decision` judges it next."""
    if set(inputs) - OUTCOME_FIELDS:
        raise InvalidInput("The form sent fields it does not have.")
    decision = _core(case_id, inputs, today, view.outcomes)
    actions = []
    for i in range(1, ACTION_SLOTS + 1):
        owner = inputs_.text(inputs, f"action{i}_owner", 200, f"Action {i}'s owner")
        text = inputs_.text(inputs, f"action{i}_text", 500, f"Action {i}")
        due = inputs_.day(inputs, f"action{i}_due", f"Action {i}'s due date")
        if not (owner or text or due):
            continue
        if not (owner and text and due):
            raise InvalidInput(f"Action {i} needs an owner, what is to be done and a due date.")
        actions.append(Action(owner, text, due))
    checklist = tuple(
        (line, answer)
        for n, line in enumerate(view.checklist, 1)
        if (answer := inputs_.text(inputs, f"check{n}", MAX_CHECK_ANSWER, f"Checklist line {n}"))
    )
    return replace(
        decision,
        actions=tuple(actions),
        rationale=inputs_.text(inputs, "rationale", MAX_TEXT, "The rationale"),
        dissent=inputs_.text(inputs, "dissent", MAX_TEXT, "The dissent"),
        checklist=checklist,
        agreed=inputs.get("agreed") == AGREED,
    )


# -- Escalation --------------------------------------------------------------------------------


def escalation_form(
    view: ChairView, item: ItemView, *, values: Mapping[str, str] | None = None, problem: str = ""
) -> Card:
    """The chair escalates the item: who owns it, and the service the family keeps meanwhile."""
    filled = dict(values or {})
    body: list[CardElement] = [heading(f"Escalate item {item.number}: {item.reference}")]
    if item.result:
        body.append(note(item.result, subtle=False))
    if problem:
        body.append(error(problem))
    first, *later = view.escalation_stages or ("the escalation route",)
    stages = (
        f"It goes to {first} first, and to {later[0]} only if that cannot resolve it."
        if later
        else f"It goes to {first}."
    )
    body += [
        note(
            f"{stages} Its owner is sent it 1:1 to "
            + ("raise it or record its resolution" if later else "record its resolution")
            + " from Teams; the minutes record it.",
            subtle=False,
        ),
        ChoiceSetInput(
            id="owner",
            label="Owner (takes it through the stages and records the resolution)",
            style="compact",
            is_required=True,
            error_message="Choose who owns the escalation.",
            value=filled.get("owner"),
            choices=[CardChoice(title=name, value=person) for person, name in view.owners],
        ),
        TextInput(
            id="interim_service",
            label="The service the family has meanwhile (a dispute between agencies should "
            "never leave the family without one)",
            is_multiline=True,
            is_required=True,
            error_message="Say what service the family has meanwhile.",
            max_length=MAX_INTERIM,
            value=filled.get("interim_service"),
        ),
        ChoiceSetInput(
            id="interim_agency",
            label="Agency giving it (if one)",
            style="compact",
            value=filled.get("interim_agency"),
            choices=[CardChoice(title=a, value=a) for a in view.agencies],
        ),
    ]
    ids = {"meeting": view.meeting_id, "case": item.case_id}
    return card(
        body,
        [
            action("Escalate", Verb.ESCALATION_RECORD, **ids),
            back("Back to the console", Verb.PANEL_CONSOLE, meeting=view.meeting_id),
        ],
    )


def escalation(data: EscalationNotice, *, problem: str = "", notice: str = "") -> Card:
    """The escalation as it stands: its stages, owner and interim service; for its owner (and
    the chair) the buttons to raise it or record its resolution."""
    body: list[CardElement] = [heading(f"Escalation: case {data.reference}")]
    if problem:
        body.append(error(problem))
    body.append(note(notice or data.what, subtle=False, color="Good" if notice else None))
    for n, (stage, since, reason) in enumerate(data.steps):
        said = f"{'Raised to' if n else 'Stage:'} {stage}, from {day(since)}."
        body.append(note(said, subtle=False))
        if reason:
            body.append(literal(reason, label="Why it went further"))
    body += [
        note(f"The panel's escalation route: {data.route}"),
        note(f"Owner: {data.owner}.", subtle=False),
        literal(data.interim_service, label="Interim service for the family"),
    ]
    if data.interim_agency:
        body.append(note(f"Given by {data.interim_agency}.", subtle=False))
    if data.resolution:
        body.append(literal(data.resolution, label="Resolution"))
    if not data.acts:
        return card(body)
    ids = {"panel": data.panel_id, "case": data.case_id}
    actions: list[ExecuteAction | ShowCardAction] = [
        action("Record the resolution", Verb.ESCALATION_RESOLVE_FORM, **ids)
    ]
    if data.next_stage:
        actions.append(
            asking(
                f"Raise to {data.next_stage}",
                [
                    why(
                        "raise_reason",
                        "Why this stage could not resolve it (kept with the case, told to the "
                        "chair)",
                        "Say why it goes further.",
                        max_length=MAX_WHY,
                    )
                ],
                [action(f"Raise to {data.next_stage}", Verb.ESCALATION_RAISE, **ids)],
            )
        )
    return card(body, actions)


def resolution_form(
    view: EscalationView, *, values: Mapping[str, str] | None = None, problem: str = ""
) -> Card:
    """The owner records how the escalation was resolved: it becomes the case's decision."""
    filled = dict(values or {})
    e = view.escalation
    body: list[CardElement] = [heading(f"Resolve the escalation: case {view.reference}")]
    if problem:
        body.append(error(problem))
    body += [
        note(f"{e.stage}, from {day(e.steps[-1].on)}.", subtle=False),
        literal(e.interim_service, label="Interim service for the family"),
        *_outcome_inputs(view.outcomes, view.agencies, view.combine_outcomes, filled),
        TextInput(
            id="resolution",
            label="How it was resolved (who decided, and why)",
            is_multiline=True,
            is_required=True,
            error_message="Say how it was resolved.",
            max_length=MAX_RESOLUTION,
            value=filled.get("resolution"),
        ),
    ]
    ids = {"panel": view.panel_id, "case": view.case_id}
    return card(
        body,
        [
            action("Record the resolution", Verb.ESCALATION_RESOLVE, **ids),
            back("Back", Verb.ESCALATION_VIEW, **ids),
        ],
    )


def resolution_from_inputs(
    view: EscalationView, inputs: Mapping[str, str], today: date
) -> tuple[Decision, str]:
    if set(inputs) - OUTCOME_FIELDS - ESCALATION_FIELDS:
        raise InvalidInput("The form sent fields it does not have.")
    decision = _core(view.case_id, inputs, today, view.outcomes)
    return decision, inputs_.text(inputs, "resolution", MAX_RESOLUTION, "The resolution")
