"""The week before a panel: the agenda, circulation with its info-check forms, readiness,
reminders, tasks and the channel's notices (numbers only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from microsoft_teams.cards import (
    CardElement,
    ChoiceSetInput,
    Container,
    ExecuteAction,
    NumberInput,
    ShowCardAction,
    TextInput,
    ToggleInput,
)
from microsoft_teams.cards import (
    Choice as CardChoice,
)

from cards import inputs
from cards.common import (
    Card,
    action,
    asking,
    buttons,
    card,
    day,
    error,
    facts,
    heading,
    literal,
    note,
    numbered,
    when,
)
from cards.intake import ROUTE_NAMES
from cards.verbs import Verb
from panel.infochecks import MAX_CAPACITY, AnswerLine, Cell, InfoCheck, Known, ReadinessGrid
from panel.meeting import MeetingStatus
from panel.messages import CirculatedCase
from panel.policy import CaseField, Section
from panel.usecases.info_checks import MemberPack
from panel.usecases.week import AgendaCounts, AgendaView
from panel.words import plural

KNOWN_TITLES = {
    Known.KNOWN: "Known to us",
    Known.NOT_KNOWN: "Not known to us",
    Known.CHECKING: "Still checking",
}
CELL_MARKS = {
    Cell.MISSING: "—",
    Cell.KNOWN: "known",
    Cell.NOT_KNOWN: "not known",
    Cell.CHECKING: "checking",
}
SECTION_TITLES = {
    Section.NEW_REFERRAL.value: "New referrals",
    Section.REVIEW.value: "Reviews",
    Section.STEP_DOWN.value: "Step-downs",
    Section.STUCK.value: "Stuck cases",
}
FIELD_LABELS = {
    CaseField.LOCALITY: "Locality",
    CaseField.CHILD_NAMES: "Children",
    CaseField.CHILD_DATES_OF_BIRTH: "Dates of birth",
    CaseField.FAMILY_MEMBERS: "Family",
    CaseField.ADDRESS: "Address",
    CaseField.PRESENTING_NEEDS: "Presenting needs",
    CaseField.CONSENT: "Consent",
}
ONE_OF = {  # the label when there is one: "Child", not "Children"
    CaseField.CHILD_NAMES: "Child",
    CaseField.CHILD_DATES_OF_BIRTH: "Date of birth",
    CaseField.FAMILY_MEMBERS: "Family member",
}


def field_label(case_field: CaseField, view: CirculatedCase) -> str:
    values = getattr(view, case_field.value.replace("-", "_"), None)
    if case_field in ONE_OF and isinstance(values, tuple) and len(values) == 1:
        return ONE_OF[case_field]
    return FIELD_LABELS[case_field]


def agenda(
    view: AgendaView,
    *,
    notice: str = "",
    problem: str = "",
    before_circulating: Sequence[CardElement] = (),
) -> Card:
    """The next sitting per locality with its overflow, and what staff can do now (with, once
    frozen, who the bot cannot reach yet: `before_circulating`)."""
    body: list[CardElement] = [
        heading(f"Agenda — {view.panel_name}, {day(view.panel_date)}"),
        note(_where_it_stands(view)),
    ]
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False))
    body += before_circulating
    localities = sorted({i.locality for i in view.items} | {o.locality for o in view.overflow})
    if not localities:
        body.append(note("No cases for this panel yet."))
    for locality in localities:
        items = [i for i in view.items if i.locality == locality]
        over = [o for o in view.overflow if o.locality == locality]
        lines: list[CardElement] = [note(f"**{locality}** ({len(items)})", subtle=False)]
        for i in items:
            lines.append(note(numbered(i.number, f"{i.reference} · {ROUTE_NAMES[i.section]}")))
            if i.why:  # the lead's own words: shown as typed, never as markdown
                lines.append(literal(i.why, label="Back because"))
        if over:
            lines.append(note("\n\n".join(f"Overflow: {o.reference} · {o.reason}" for o in over)))
        body.append(Container(separator=True, items=lines))
    actions: list[ExecuteAction | ShowCardAction] = [
        action("Refresh", Verb.AGENDA_VIEW, panel=view.panel_id)
    ]
    if view.status is MeetingStatus.PLANNED and view.provisional:
        # Before the cut-off, freezing shuts the list early: asked in the card first.
        actions.append(
            asking(
                "Freeze now",
                [
                    note(
                        f"Freeze now, before the cut-off ({when(view.cutoff_at)})? Cases "
                        "listed after this go to the panel after this one.",
                        subtle=False,
                        color="Attention",
                    )
                ],
                [action("Yes, freeze now", Verb.AGENDA_FREEZE, panel=view.panel_id)],
            )
        )
    elif view.status is MeetingStatus.PLANNED:
        actions.append(action("Freeze now", Verb.AGENDA_FREEZE, panel=view.panel_id))
    if view.status is MeetingStatus.FROZEN and view.meeting_id:
        actions.append(
            action(
                "Circulate now",
                Verb.AGENDA_CIRCULATE,
                panel=view.panel_id,
                meeting=view.meeting_id,
            )
        )
    if view.status is MeetingStatus.CIRCULATED and view.meeting_id:
        refs = {"panel": view.panel_id, "meeting": view.meeting_id}
        actions += [
            action("Readiness", Verb.READINESS_VIEW, **refs),
            action("Delivery", Verb.DELIVERY_VIEW, what="circulation", **refs),
            action("Remind now", Verb.REMINDERS_SEND, **refs),
        ]
    actions.append(action("Cases", Verb.CASE_LIST, panel=view.panel_id))
    return card(body, actions)


def _where_it_stands(view: AgendaView) -> str:
    """What has happened and what comes next, by the agenda's state (not the plan's times
    once they have passed)."""
    due = f"information checks due {when(view.deadline_at)}"
    match view.status:
        case MeetingStatus.PLANNED:
            return (
                f"Provisional: this is what would freeze now. Cut-off {when(view.cutoff_at)}; "
                f"circulation {when(view.circulation_at)}; {due}."
            )
        case MeetingStatus.FROZEN:
            return (
                f"Frozen. It goes to members on {when(view.circulation_at)}, or when you press "
                f"Circulate now; {due}."
            )
        case MeetingStatus.CIRCULATED:
            return f"Circulated to members; {due}."
        case MeetingStatus.IN_SESSION:
            return "The panel is sitting now."
        case MeetingStatus.CLOSED:
            return "This panel has closed."


def counts(view: AgendaCounts) -> Card:
    """For a channel or group chat: numbers only, never a case."""
    state = "frozen" if view.frozen else "so far (not frozen yet)"
    pairs = {SECTION_TITLES.get(k, k): str(v) for k, v in sorted(view.by_section.items())}
    return card(
        [
            heading(f"{view.panel_name}: {day(view.panel_date)}"),
            note(f"{plural(view.total, 'case')} on the agenda {state}.", subtle=False),
            facts(pairs),
            note("Case details go to members 1:1 only."),
        ]
    )


def _case_block(
    pack: MemberPack,
    view: CirculatedCase,
    saved: InfoCheck | None,
    typed: Mapping[str, str],
) -> Container:
    case_id = view.case_id
    title = (view.reference or "Case") + (f" · {ROUTE_NAMES[view.route]}" if view.route else "")
    items: list[CardElement] = [note(f"**{title}**", subtle=False)]
    if view.back_because:
        items.append(literal(view.back_because, label="Back because"))
    items += [literal(text, label=field_label(f, view)) for f, text in view.shown(pack.panel_date)]
    if saved is not None:
        items.append(
            note(
                f"Saved {when(saved.answered_at)}: {answer_line(saved)}",
                subtle=False,
                color="Good",
            )
        )
        if saved.information:
            items.append(literal(saved.information, label="You shared"))
    editable = not (pack.past_deadline and saved is not None)
    if editable:
        items += [
            ChoiceSetInput(
                id=f"known.{case_id}",
                label="Is the family known to your agency?",
                style="expanded",
                is_required=True,
                error_message="Say whether the family is known to your agency.",
                value=typed.get(f"known.{case_id}") or (saved.known.value if saved else None),
                choices=[CardChoice(title=t, value=k.value) for k, t in KNOWN_TITLES.items()],
            ),
            TextInput(
                id=f"information.{case_id}",
                label="What you can share (shown to the panel as typed)",
                is_multiline=True,
                max_length=2000,
                value=typed.get(f"information.{case_id}") or (saved.information if saved else None),
            ),
            ToggleInput(
                id=f"could_lead.{case_id}",
                title="My agency could take the lead",
                value=typed.get(f"could_lead.{case_id}")
                or ("true" if saved and saved.could_lead else "false"),
                value_on="true",
                value_off="false",
            ),
            buttons(
                action(
                    "Save answer" if saved is None else "Update answer",
                    Verb.INFOCHECK_RECORD,
                    meeting=pack.meeting_id,
                    case=case_id,
                )
            ),
        ]
    return Container(separator=True, items=items)


def answer_line(saved: InfoCheck | AnswerLine) -> str:
    """ "Known to us; could lead (late)": one answer as every card says it."""
    return (
        KNOWN_TITLES[saved.known]
        + ("; could lead" if saved.could_lead else "")
        + (" (late)" if saved.late else "")
    )


def _header(pack: MemberPack) -> list[CardElement]:
    late = (
        " The deadline has passed: a first answer is still taken, marked late."
        if pack.past_deadline
        else ""
    )
    answered = len(pack.cases) - pack.missing
    if pack.missing:
        ask = "" if pack.past_deadline else f"Please answer each by {when(pack.deadline_at)}."
    else:
        ask = "Every case is answered." + (
            ""
            if pack.past_deadline
            else f" You can change an answer until {when(pack.deadline_at)}."
        )
    return [
        heading(f"{pack.panel_name}: {day(pack.panel_date)}"),
        note(
            f"{plural(len(pack.cases), 'case', 'cases')} for {pack.agency}, "
            f"{answered} answered. {ask}{late} Confidential: for panel members only.",
            subtle=False,
        ),
    ]


def _go(title: str, verb: Verb, **data: str) -> ExecuteAction:
    """A button that only moves between cards: it sends none of the card's inputs, so nothing
    typed elsewhere on the card is checked or required first."""
    button = action(title, verb, **data)
    button.associated_inputs = "none"
    return button


# Cases on one page of the overview: at the longest a form accepts (12 names of 100
# characters) a case's line is about 2 KB, so 8 of them, the header and the capacity fit well
# under the size limit (bot/rendering.py); tests/bot/test_card_sizes.py measures it.
PAGE = 8


def circulation(
    pack: MemberPack,
    *,
    page: int = 0,
    notice: str = "",
    problem: str = "",
    values: Mapping[str, str] | None = None,
) -> Card:
    """A member's cases for the panel, one line each with its answer or an Answer button, a
    button for "not known to us" on every case not yet answered, and the agency's capacity.
    Each case is answered on a card of its own (`pack_case`): one case's inputs at a time, so
    saving one never needs, checks or loses another's. More than `PAGE` cases are paged."""
    typed_capacity = inputs.number_to_show((values or {}).get("capacity"))
    pages = max(1, -(-len(pack.cases) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = pack.cases[page * PAGE : (page + 1) * PAGE]
    body = _header(pack)
    if pages > 1:
        first = page * PAGE + 1
        body.append(note(f"Cases {first} to {first + len(shown) - 1} of {len(pack.cases)}."))
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    for view in shown:
        saved = pack.answers.get(view.case_id)
        title = (view.reference or "Case") + (f" · {ROUTE_NAMES[view.route]}" if view.route else "")
        status = (
            note(f"Answered: {answer_line(saved)}", color="Good")
            if saved
            else note("Not answered yet")
        )
        verb_title = "Answer" if saved is None else "See or change"
        body.append(
            Container(
                separator=True,
                items=[
                    note(
                        f"**{title}**" + (f" · {view.locality}" if view.locality else ""),
                        subtle=False,
                    ),
                    # The names are what an agency looks up to say whether it knows the family,
                    # so they are on the overview too (when the policy shares them).
                    *(
                        [
                            literal(
                                ", ".join(view.child_names),
                                label=field_label(CaseField.CHILD_NAMES, view),
                            )
                        ]
                        if view.child_names
                        else []
                    ),
                    status,
                    buttons(
                        _go(verb_title, Verb.PACK_CASE, meeting=pack.meeting_id, case=view.case_id)
                    ),
                ],
            )
        )
    if pack.missing:
        # The explanation is a line of its own: Teams cuts a long button title short.
        body.append(
            note(
                "If your agency knows none of the families not answered yet, answer them all "
                "at once:",
                subtle=False,
            )
        )
        everyone = "the last one" if pack.missing == 1 else f"all {pack.missing}"
        body.append(
            buttons(
                action(
                    f"Not known to us: {everyone}",
                    Verb.INFOCHECK_NOT_KNOWN_REST,
                    meeting=pack.meeting_id,
                )
            )
        )
    capacity_text = (
        "Capacity saved: your agency can lead "
        + plural(pack.capacity, "new case")
        + " from this panel."
        if pack.capacity is not None
        else "Capacity: how many new cases can your agency lead from this panel?"
    )
    body.append(
        Container(
            separator=True,
            items=[
                note(capacity_text, subtle=False),
                NumberInput(
                    id="capacity",
                    label="Capacity this week",
                    min=0,
                    max=MAX_CAPACITY,
                    value=pack.capacity if typed_capacity is None else typed_capacity,
                ),
                buttons(action("Save capacity", Verb.CAPACITY_RECORD, meeting=pack.meeting_id)),
            ],
        )
    )
    turns = [
        _go(label, Verb.PACK_OPEN, meeting=pack.meeting_id, page=str(to))
        for label, to in (("Previous cases", page - 1), ("More cases", page + 1))
        if 0 <= to < pages
    ]
    refresh = _go("Refresh", Verb.PACK_OPEN, meeting=pack.meeting_id, page=str(page))
    return card(body, [*turns, refresh])


def pack_case(
    pack: MemberPack,
    case_id: str,
    *,
    notice: str = "",
    problem: str = "",
    values: Mapping[str, str] | None = None,
) -> Card:
    """One case of the pack with its information-check form; `values` refills what was typed
    when it comes back after a refusal. Next goes to the next case not answered yet."""
    index = next(i for i, c in enumerate(pack.cases) if c.case_id == case_id)
    view = pack.cases[index]
    body = _header(pack)
    body.append(note(f"Case {index + 1} of {len(pack.cases)}", subtle=False))
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    body.append(_case_block(pack, view, pack.answers.get(case_id), values or {}))
    later = (*pack.cases[index + 1 :], *pack.cases[:index])
    following = next((c for c in later if c.case_id not in pack.answers), None)
    actions = [_go("All cases", Verb.PACK_OPEN, meeting=pack.meeting_id)]
    if following is not None:
        actions.insert(
            0,
            _go(
                f"Next: {following.reference or 'Case'}",
                Verb.PACK_CASE,
                meeting=pack.meeting_id,
                case=following.case_id,
            ),
        )
    return card(body, actions)


NAMED = 6  # agencies named on a case's line; more are counted (each is listed By agency)


def _names(agencies: Sequence[str]) -> str:
    if len(agencies) <= NAMED:
        return ", ".join(agencies)
    return f"{len(agencies)} agencies"


def readiness(view: AgendaView, grid: ReadinessGrid, *, notice: str = "") -> Card:
    """Who has answered, for the chair and business support: one line per agency (answered,
    still checking, capacity) and one per case (who has not answered, who could lead). Lines
    rather than a case-by-agency table: a table of 15 cases by 20 agencies is 35 KB, more than
    Teams takes, and no phone shows 21 columns."""
    numbers = {line.case_id: (line.number, line.reference) for line in view.items}
    total = len(grid.case_ids)
    body: list[CardElement] = [
        heading(f"Readiness: {view.panel_name}, {day(view.panel_date)}"),
        note(f"Information checks are due by {when(view.deadline_at)}.", subtle=False),
    ]
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    agencies: list[CardElement] = [note("**By agency**", subtle=False)]
    for agency in grid.agencies:
        cells = [grid.cells[(c, agency)] for c in grid.case_ids]
        answered = sum(1 for cell in cells if cell is not Cell.MISSING)
        checking = sum(1 for cell in cells if cell is Cell.CHECKING)
        capacity = grid.capacity.get(agency)
        line = f"{agency}: {answered} of {plural(total, 'case')} answered" + (
            f" ({checking} still checking)" if checking else ""
        )
        line += "; no capacity yet" if capacity is None else f"; capacity {capacity}"
        done = answered == total and capacity is not None and not checking
        agencies.append(note(line, subtle=done, color=None if done else "Attention"))
    cases: list[CardElement] = [note("**By case**", subtle=False)]
    for case_id in grid.case_ids:
        number, reference = numbers.get(case_id, (0, "?"))
        waiting = [a for a in grid.agencies if grid.cells[(case_id, a)] is Cell.MISSING]
        unsure = [a for a in grid.agencies if grid.cells[(case_id, a)] is Cell.CHECKING]
        leads = grid.offers_to_lead.get(case_id, ())
        parts = [f"not answered by {_names(waiting)}" if waiting else "every agency answered"]
        parts += [f"still checking: {_names(unsure)}"] if unsure else []
        parts += [f"could lead: {_names(leads)}"] if leads else []
        cases.append(note(f"{numbered(number, reference)}: " + "; ".join(parts), subtle=False))
    total = len(grid.case_ids)
    none = [a for a in grid.agencies if len(grid.missing_for(a)) == total]
    part = [a for a in grid.agencies if 0 < len(grid.missing_for(a)) < total]
    no_capacity = [a for a in grid.agencies if a not in grid.capacity]
    gaps = [f"No answer yet from: {', '.join(none)}."] if none else []
    gaps += (
        [
            "Some cases still to answer: "
            + ", ".join(f"{a} ({len(grid.missing_for(a))} left)" for a in part)
            + "."
        ]
        if part
        else []
    )
    gaps += [f"No capacity yet from: {', '.join(no_capacity)}."] if no_capacity else []
    summary = " ".join(gaps) or "Every agency has answered every case and given its capacity."
    body += [
        note(
            f"{grid.answered()} of {plural(len(grid.cells), 'information check')} answered "
            f"({grid.answered_share():.0%}).",
            subtle=False,
        ),
        note(summary, subtle=False, color="Attention" if gaps else "Good"),
        Container(separator=True, items=agencies),
        Container(separator=True, items=cases),
    ]
    meeting = view.meeting_id or ""
    return card(
        body,
        [
            action("Refresh", Verb.READINESS_VIEW, panel=view.panel_id, meeting=meeting),
            action("Remind now", Verb.REMINDERS_SEND, panel=view.panel_id, meeting=meeting),
        ],
    )


def reminder(text: str, meeting_id: str) -> Card:
    return card(
        [note(text, subtle=False)], [action("Open my cases", Verb.PACK_OPEN, meeting=meeting_id)]
    )


def notice(text: str, numbers: Mapping[str, int]) -> Card:
    """A channel notice: the text the use case wrote and numbers, nothing else."""
    pairs = {SECTION_TITLES.get(k, k.capitalize()): str(v) for k, v in numbers.items()}
    return card([note(text, subtle=False), facts(pairs)])
