"""Panel day: the shared agenda (numbers, sections, states: no case), the chair's console,
sign-in, the case card, ballots, the outcome form (and its parser), allocation, minutes and
business support's tick list. Everything but the shared agenda goes 1:1 only."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import (
    CardElement,
    ChoiceSetInput,
    Container,
    ToggleInput,
)
from microsoft_teams.cards import (
    Choice as CardChoice,
)

from cards.common import (
    Card,
    action,
    asking,
    back,
    card,
    day,
    error,
    facts,
    heading,
    literal,
    note,
    numbered,
    why,
)
from cards.intake import ROUTE_NAMES
from cards.verbs import Verb
from cards.week import answer_line, field_label
from panel.console import ChairView, ItemView
from panel.leads import MAX_HANDOVER_REASON
from panel.messages import (
    ActionForAgency,
    Allocation,
    Ballot,
    CaseCard,
    CorrectionNotice,
    LeadNotice,
    MinutesLine,
    MinutesRecord,
    SignInRequest,
)
from panel.outcomes import MAX_REASON
from panel.policy import Section
from panel.quorum import Presence
from panel.words import plural

PRESENCE_TITLES = {
    Presence.PRESENT: "Present for my agency",
    Presence.DEPUTY: "Deputising for my agency's member",
    Presence.APOLOGIES: "Apologies: I cannot attend",
}
SIGN_IN_FIELDS = frozenset({"presence", "accept"})
AOB_FIELDS = frozenset({"aob_text"})
REOPEN_FIELDS = frozenset({"reopen_reason"})


def sign_in(request: SignInRequest, *, problem: str = "") -> Card:
    choices = [
        Presence.PRESENT,
        *([Presence.DEPUTY] if request.deputy else []),
        Presence.APOLOGIES,
    ]
    body: list[CardElement] = [
        heading(f"Sign in: {request.panel_name}"),
        note(f"You attend for {request.agency}.", subtle=False),
    ]
    if problem:
        body.append(error(problem))
    body += [
        ChoiceSetInput(
            id="presence",
            label="Are you attending?",
            style="expanded",
            is_required=True,
            error_message="Say whether you are attending.",
            value=(Presence.DEPUTY if request.deputy else Presence.PRESENT).value,
            choices=[CardChoice(title=PRESENCE_TITLES[p], value=p.value) for p in choices],
        ),
        literal(request.statement, label="Confidentiality and information sharing"),
        ToggleInput(
            id="accept",
            title="I accept the statement above",
            value="false",
            value_on="true",
            value_off="false",
        ),
    ]
    return card(body, [action("Sign in", Verb.PANEL_SIGN_IN, meeting=request.meeting_id)])


def signed_in(agency: str, presence: Presence, quorum_line: str) -> Card:
    if presence is Presence.APOLOGIES:
        return card(
            [
                heading("Apologies recorded"),
                note(f"You have sent apologies for {agency}.", subtle=False),
                note(
                    "You will not be sent case cards or ballots. The minutes will be sent to you "
                    f"when the panel closes, and any outcome that names {agency}, and any action "
                    "for it."
                ),
            ]
        )
    return card(
        [
            heading("Signed in"),
            note(
                f"You are signed in {'as deputy ' if presence is Presence.DEPUTY else ''}"
                f"for {agency}.",
                subtle=False,
            ),
            note(quorum_line),
            note("Case cards and ballots will come to this chat as the chair opens each item."),
        ]
    )


def case_card(data: CaseCard, *, notice: str = "", conflicted: bool = False) -> Card:
    """The case as the panel discusses it, 1:1 to members present."""
    part = f" (part {data.part} of {data.parts})" if data.parts > 1 else ""
    body: list[CardElement] = [
        heading(f"Item {data.number or ''}: {data.view.reference or 'Case'}{part}"),
    ]
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    if data.part > 1:
        # Too many long answers for one Teams message: the rest of them, nothing else.
        body.append(note("**What each agency said** (continued)", subtle=False))
        body += _answers(data)
        return card(body)
    if data.view.back_because:
        body.append(literal(data.view.back_because, label="Back because"))
    body += [
        literal(text, label=field_label(f, data.view))
        for f, text in data.view.shown(data.panel_date)
    ]
    body.append(note("**What each agency said**", subtle=False))
    body += _answers(data) or [note("No agency answered the information check.")]
    if data.parts > 1:
        body.append(note(f"More answers follow in {plural(data.parts - 1, 'message')}."))
    if data.capacity:
        body.append(note("**Capacity this week**", subtle=False))
        body.append(facts({agency: str(n) for agency, n in data.capacity}))
    if data.checklist:
        body.append(note("**Decision checklist**", subtle=False))
        body.append(note("\n\n".join(f"- {q}" for q in data.checklist), subtle=False))
    ids = {"meeting": data.meeting_id, "case": data.case_id}
    if data.for_chair:
        return card(body)  # no agency of the chair's to declare a conflict for
    if conflicted:
        body.append(
            note(
                "You have declared a conflict: your agency will not vote on this case. You can "
                "withdraw it until the vote opens."
            )
        )
        return card(body, [action("Withdraw my conflict", Verb.CONFLICT_WITHDRAW, **ids)])
    # Asked in the card first: a conflict takes the agency's vote on the case away.
    question = asking(
        "I know this family personally",
        [
            note(
                "Declare a conflict of interest on this case? Your agency will not vote on it. "
                "You can withdraw it until the vote opens.",
                subtle=False,
            )
        ],
        [action("Declare a conflict", Verb.CONFLICT_DECLARE, **ids)],
    )
    return card(body, [question])


def _answers(data: CaseCard) -> list[CardElement]:
    shown: list[CardElement] = []
    for answer in data.answers:
        shown.append(note(f"{answer.agency}: {answer_line(answer)}", subtle=False))
        if answer.information:
            shown.append(literal(answer.information))
    return shown


def ballot(data: Ballot, *, voted_for: str | None = None, problem: str = "") -> Card:
    body: list[CardElement] = [
        heading(f"Vote: lead agency for {data.reference}"),
        note(f"You are voting on behalf of {data.agency}. Who should lead?", subtle=False),
    ]
    if problem:
        body.append(error(problem))
    if voted_for is not None:
        body.append(
            note(
                f"Your vote for {voted_for} is recorded. You will be sent the result when the "
                "vote closes.",
                subtle=False,
                color="Good",
            )
        )
        return card(body)
    return card(
        body,
        [
            action(name, Verb.VOTE_CAST, meeting=data.meeting_id, round=data.round_id, choice=name)
            for name in data.candidates
        ],
    )


def reopen_form(
    view: ChairView, item: ItemView, *, values: Mapping[str, str] | None = None, problem: str = ""
) -> Card:
    """Re-open a closed vote: the reason goes in the minutes and to everyone told the result."""
    body: list[CardElement] = [heading(f"Re-open the vote on item {item.number}: {item.reference}")]
    if problem:
        body.append(error(problem))
    body += [
        note(f"The result so far: {item.result}", subtle=False),
        note("A new round's ballots go out 1:1; the result above will no longer stand."),
        why(
            "reopen_reason",
            "Why re-open it (for the minutes, and told to everyone who heard the result)",
            "Say why the vote is re-opened.",
            max_length=MAX_REASON,
            value=(values or {}).get("reopen_reason"),
        ),
    ]
    return card(
        body,
        [
            action(
                "Re-open the vote", Verb.VOTE_REOPEN, meeting=view.meeting_id, case=item.case_id
            ),
            back("Back to the console", Verb.PANEL_CONSOLE, meeting=view.meeting_id),
        ],
    )


ACRONYMS = {"taf": "TAF", "eha": "EHA", "mash": "MASH", "cin": "CIN"}


def _milestone_name(code: str) -> str:
    """ "first-taf" as "First TAF", "taf-review" as "TAF review"."""
    words = [ACRONYMS.get(w, w) for w in code.split("-")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


LEAD_FIELDS = frozenset({"practitioner", "handover_reason"})


def allocation(text: str, data: Allocation, *, problem: str = "", notice: str = "") -> Card:
    """To the lead agency's members: the case is theirs, when each step is due, and who of them
    leads it. To the practitioner named: the same, and the lead role to hand over."""
    pairs = {_milestone_name(code): day(due) for code, due in data.milestones}
    title = "You lead this case" if data.named else "New allocation"
    body: list[CardElement] = [heading(title), note(text, subtle=False)]
    if data.reason:
        body.append(literal(data.reason, label="Why it was handed over"))
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    if pairs:  # a direct allocation plans no panel milestones
        body.append(facts(pairs))
    if not data.panel_id or not data.candidates:
        return card(body)  # queued before practitioners could be named
    ids = {"panel": data.panel_id, "case": data.case_id}
    choices = [CardChoice(title=name, value=person) for person, name in data.candidates]
    if not data.named:
        body.append(
            ChoiceSetInput(
                id="practitioner",
                label="Who leads it (the practitioner gets the case, its dates and the nudges)",
                style="compact",
                is_required=True,
                error_message="Choose the practitioner who leads it.",
                choices=choices,
            )
        )
        return card(body, [action("Name the lead practitioner", Verb.LEAD_NAME, **ids)])
    question: list[CardElement] = [
        ChoiceSetInput(
            id="practitioner",
            label="To whom",
            style="compact",
            is_required=True,
            error_message="Choose who takes the lead role.",
            choices=choices,
        ),
        why(
            "handover_reason",
            "Why it moves (told to both sides and the chair)",
            "Say why the lead role moves.",
            max_length=MAX_HANDOVER_REASON,
        ),
    ]
    return card(
        body,
        [
            asking(
                "Hand over the lead",
                question,
                [action("Hand over", Verb.LEAD_HAND_OVER, **ids)],
            )
        ],
    )


def lead_notice(data: LeadNotice) -> Card:
    return card(
        [
            heading(f"Lead practitioner: case {data.reference}"),
            note(data.what, subtle=False),
            *([literal(data.reason, label="Why")] if data.reason else []),
        ]
    )


def record_tick(text: str, meeting_id: str, case_id: str, *, done: bool = False) -> Card:
    body: list[CardElement] = [note(text, subtle=False)]
    if done:
        body.append(note("Recorded on the case system.", subtle=False, color="Good"))
        return card(body)
    return card(
        body,
        [
            action(
                "Recorded on the case system",
                Verb.OUTCOME_RECORDED,
                meeting=meeting_id,
                case=case_id,
            )
        ],
    )


def action_for_agency(data: ActionForAgency) -> Card:
    """An action the panel gave an agency, to that agency's members (present or not)."""
    return card(
        [
            heading(f"Action for {data.owner}: case {data.reference}"),
            note(f"Agreed at the panel; due {day(data.due)}.", subtle=False),
            literal(data.text),  # as the chair typed it
        ]
    )


def correction(data: CorrectionNotice) -> Card:
    """The chair corrected what the panel decided about a case: what changed, and why."""
    return card(
        [
            heading(f"Correction: case {data.reference}"),
            note(data.what, subtle=False, color="Attention"),
            literal(data.reason, label="Why"),  # as the chair typed it
        ]
    )


def minutes(record: MinutesRecord) -> Card:
    """The panel's formal record, 1:1. Names and agencies come from the roster; what the chair
    typed (actions, rationale, dissent, corrections, other business) is shown literally."""
    part = f" (part {record.part} of {record.parts})" if record.parts > 1 else ""
    body: list[CardElement] = [
        heading(f"Minutes: {record.panel_name}, {day(record.panel_date)}{part}"),
    ]
    if record.part == 1:
        body += _attendance(record)
    for item in record.items:
        body.append(Container(separator=True, items=_minuted_item(item)))
    if record.escalations:
        body.append(note("**Escalations from earlier panels**", subtle=False))
        body += [literal(line) for line in record.escalations]
    if record.aob:
        body.append(note("**Any other business**", subtle=False))
        body += [literal(text) for text in record.aob]
    if record.not_reached:
        where = f"the panel on {day(record.next_panel)}" if record.next_panel else "the next panel"
        body.append(
            note(f"Not reached, rolled to {where}: " + ", ".join(record.not_reached), subtle=False)
        )
    if record.part < record.parts:
        body.append(note(f"Continued in part {record.part + 1} of {record.parts}."))
    return card(body)


def _attendance(record: MinutesRecord) -> list[CardElement]:
    sitting = f"Chair: {record.chair}." if record.chair else ""
    if record.starts:
        sitting += f" The panel sat at {record.starts}."
    present = "; ".join(record.attendees) or ", ".join(record.present) or "none"
    apologies = "; ".join(record.apologised) or ", ".join(record.apologies) or "none"
    lines: list[CardElement] = [
        *([note(sitting.strip(), subtle=False)] if sitting.strip() else []),
        note(f"Present: {present}.", subtle=False),
        note(f"Apologies: {apologies}.", subtle=False),
    ]
    if record.absent:
        lines.append(note(f"Absent without apologies: {', '.join(record.absent)}.", subtle=False))
    lines.append(note(record.quorum, subtle=False))
    return lines


def _minuted_item(item: MinutesLine) -> list[CardElement]:
    section = f" · {ROUTE_NAMES[Section(item.section)]}" if item.section else ""
    lead = f" Lead: {item.lead_agency}." if item.lead_agency else ""
    outcome = (
        f"Outcome: {item.outcome}.{lead}"
        if item.outcome
        else "Outcome: to follow from the escalation's resolution."
    )
    elements: list[CardElement] = [
        note(f"{numbered(item.number, item.reference)}{section}", subtle=False),
        note(outcome, subtle=False),
        note(f"How the lead was chosen: {item.tally}"),
    ]
    if item.escalation:
        elements.append(literal(item.escalation, label="Escalated to"))
    if item.conflicts:
        elements.append(note(f"Conflicts declared: {', '.join(item.conflicts)}."))
    if item.taf_agencies or item.taf_within:
        taf = ", ".join(item.taf_agencies) or "none named"
        within = f" First meeting within {item.taf_within}." if item.taf_within else ""
        elements.append(note(f"Team Around the Family: {taf}.{within}"))
    if item.checklist:
        elements.append(note("Decision checklist:"))
        elements += [literal(line) for line in item.checklist]
    elements += [literal(a, label="Action") for a in item.actions]
    if item.rationale:
        elements.append(literal(item.rationale, label="Rationale"))
    if item.dissent:
        elements.append(literal(item.dissent, label="Dissent"))
    elements += [literal(c, label="Corrected on the day") for c in item.corrections]
    return elements
