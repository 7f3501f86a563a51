"""The chair's console and the shared agenda. The console (1:1, chair and business support) is
the chair's case papers: the item in hand with every agency's answer, who gave none, who
offered to lead, capacity and conflicts, and the actions its state allows; below it one
compact line per item, with the one action that fits its state. It has no inputs, so
bringing it up to date in place (panel/usecases/console.py) can never wipe what someone typed.
"""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import (
    CardElement,
    Column,
    ColumnSet,
    Container,
    ExecuteAction,
    ShowCardAction,
    TextInput,
)

from cards.common import (
    Card,
    action,
    asking,
    back,
    buttons,
    card,
    day,
    error,
    heading,
    literal,
    note,
    numbered,
)
from cards.intake import ROUTE_NAMES
from cards.verbs import Verb
from cards.week import answer_line
from panel.console import CasePapers, ChairView, ItemState, ItemView, SharedView
from panel.meeting import MeetingStatus
from panel.quorum import Presence
from panel.words import plural

AOB_SHOWN = 2  # notes of any other business shown on the console (all go in the minutes)
# Characters of each answer on the console (the case card has them in full): 280 each, less
# when many agencies answered, so 15 items and 20 agencies' answers stay one Teams message.
PAPER_TEXT = 280
PAPERS_TEXT = 1800
STATE_TITLES = {
    ItemState.WAITING: "waiting",
    ItemState.OPENED: "being discussed",
    ItemState.VOTING: "vote open",
    ItemState.CASTING_VOTE: "awaiting the chair's casting vote",
    ItemState.VOTED: "voted; outcome to record",
    ItemState.ESCALATED: "no majority",
    ItemState.AWAITING_RESOLUTION: "escalated",
    ItemState.DECIDED: "decided",
}


def shared(view: SharedView) -> Card:
    """For the group chat, channel or meeting chat: never a reference or a name."""
    lines = [
        numbered(i.number, f"{ROUTE_NAMES[i.section]}: {STATE_TITLES[i.state]}") for i in view.items
    ]
    state = "in session" if view.status is MeetingStatus.IN_SESSION else view.status.value
    return card(
        [
            heading(f"{view.panel_name}: {day(view.panel_date)}"),
            note(f"Panel {state}. {view.quorum_line}", subtle=False),
            note("\n\n".join(lines) or "No items."),
            note("Case details go 1:1 to members present. Sign in from your chat with the bot."),
        ],
        [action("Refresh", Verb.PANEL_SHARED, panel=view.panel_id)],
    )


def console(view: ChairView, *, notice: str = "", problem: str = "") -> Card:
    """The chair's console, 1:1: who is here, the item in hand's papers, then every item."""
    present = ", ".join(
        agency + (" (deputy)" if presence == Presence.DEPUTY.value else "")
        for agency, presence in view.attendance
        if presence != Presence.APOLOGIES.value
    )
    apologies = [a for a, presence in view.attendance if presence == Presence.APOLOGIES.value]
    body: list[CardElement] = [
        heading(f"Chair: {view.panel_name}, {day(view.panel_date)}"),
        note(view.quorum_line, subtle=False, color="Good" if view.quorate else "Attention"),
        note(f"Present: {present or 'nobody yet'}."),
    ]
    if apologies:
        body.append(note(f"Apologies: {', '.join(apologies)}."))
    if problem:
        body.append(error(problem))
    if notice:
        body.append(note(notice, subtle=False, color="Good"))
    live = view.status is MeetingStatus.IN_SESSION
    papers = view.papers
    in_hand = view.item(papers.case_id) if papers else None
    if papers is not None and in_hand is not None:
        body.append(_papers(view, papers, in_hand, live))
    body.append(note(f"**Agenda: {plural(len(view.items), 'item')}**", subtle=False))
    body += [_item_row(view, item, in_hand, live) for item in view.items]
    for case_id, reference, section in view.can_add if live else ():
        body.append(
            buttons(
                action(
                    f"Add {reference} ({ROUTE_NAMES[section].lower()})",
                    Verb.AGENDA_ADD,
                    meeting=view.meeting_id,
                    case=case_id,
                )
            )
        )
    body += _aob(view)
    actions: list[ExecuteAction | ShowCardAction] = [
        action("Refresh", Verb.PANEL_CONSOLE, meeting=view.meeting_id)
    ]
    if live:
        actions += [
            action("Note other business", Verb.PANEL_AOB_FORM, meeting=view.meeting_id),
            # Closing cannot be undone: the card asks first, in place.
            asking("Close panel", *close_check(view)),
        ]
    return card(body, actions)


def close_check(view: ChairView) -> tuple[list[CardElement], list[ExecuteAction]]:
    """Before closing: what will happen to the items with no outcome, and the minutes."""
    open_votes = [i for i in view.items if i.state is ItemState.VOTING]
    if open_votes:
        numbers = ", ".join(str(i.number) for i in open_votes)
        return [
            note(f"A vote is still open (item {numbers}): close it before the panel.", subtle=False)
        ], []
    left = view.not_reached
    if left:
        where = f"the panel on {day(view.next_panel)}" if view.next_panel else "the next panel"
        question = (
            f"Close the panel with {plural(len(left), 'item')} not reached? "
            f"{'They roll' if len(left) > 1 else 'It rolls'} to {where}: "
            + ", ".join(i.reference for i in left)
            + "."
        )
    elif any(i.state is ItemState.AWAITING_RESOLUTION for i in view.items):
        question = "Close the panel? Every item has an outcome or is escalated."
    else:
        question = "Close the panel? Every item has an outcome."
    return [
        note(question, subtle=False, color="Attention" if left else None),
        note("The minutes then go 1:1 to those who attended. This cannot be undone."),
    ], [action("Yes, close the panel", Verb.PANEL_CLOSE, meeting=view.meeting_id, confirm="yes")]


def close_question(view: ChairView) -> Card:
    """The same question as a card of its own (a Close pressed on an older console)."""
    body, actions = close_check(view)
    return card(
        [heading("Close the panel?"), *body],
        [*actions, back("Back to the console", Verb.PANEL_CONSOLE, meeting=view.meeting_id)],
    )


def _papers(view: ChairView, papers: CasePapers, item: ItemView, live: bool) -> Container:
    """The item in hand as the chair needs it to run the discussion and the decision."""
    elements: list[CardElement] = [
        note(
            f"**In hand: item {papers.number}, {papers.reference}** ({STATE_TITLES[item.state]})",
            subtle=False,
        ),
        note("**What each agency said**", subtle=False),
    ]
    room = min(PAPER_TEXT, PAPERS_TEXT // max(1, len(papers.answers)))
    cut = False
    for answer in papers.answers:
        elements.append(note(f"{answer.agency}: {answer_line(answer)}", subtle=False))
        if answer.information:
            shown = answer.information[:room]
            cut = cut or shown != answer.information
            elements.append(literal(shown + ("…" if shown != answer.information else "")))
    if cut:
        elements.append(
            note("Answers marked … are cut: the case card in your chat has them whole.")
        )
    if not papers.answers:
        elements.append(note("No agency answered the information check."))
    if papers.no_answer:
        elements.append(note(f"No answer from: {', '.join(papers.no_answer)}.", subtle=False))
    offered = ", ".join(papers.offered) if papers.offered else "nobody"
    elements.append(note(f"Offered to lead: {offered}.", subtle=False))
    capacity = ", ".join(f"{agency} {n}" for agency, n in papers.capacity)
    elements.append(note(f"Capacity this week: {capacity or 'none given'}.", subtle=False))
    conflicts = ", ".join(papers.conflicts)
    elements.append(
        note(
            f"Conflicts declared: {conflicts} (will not vote)."
            if conflicts
            else "No conflicts declared.",
            subtle=False,
        )
    )
    if papers.checklist:
        elements.append(note("**Decision checklist**", subtle=False))
        elements.append(note("\n\n".join(f"- {q}" for q in papers.checklist), subtle=False))
    if item.state is ItemState.VOTING:
        elements.append(note(f"Votes cast: {item.votes_cast} of {item.eligible}.", subtle=False))
    if item.result:
        elements.append(note(item.result, subtle=False))
    actions = _in_hand_actions(view, papers, item) if live else []
    if actions:
        elements.append(buttons(*actions))
    return Container(style="emphasis", items=elements)


def _in_hand_actions(view: ChairView, papers: CasePapers, item: ItemView) -> list[ExecuteAction]:
    ids = {"meeting": view.meeting_id, "case": item.case_id}
    if item.state in (ItemState.VOTED, ItemState.ESCALATED, ItemState.CASTING_VOTE):
        # A vote that went wrong (a member missing, a wrong candidate) can be held again.
        return [*_state_actions(view, item), action("Re-open the vote", Verb.VOTE_REOPEN, **ids)]
    if item.state is ItemState.OPENED:
        escalate = action("Escalate", Verb.ESCALATION_FORM, **ids)
        if len(papers.candidates) < 2:
            # Nothing to choose between: no ballot, the chair records the lead as agreed.
            return [action("Record outcome (agreed)", Verb.OUTCOME_FORM, **ids), escalate]
        return [
            action("Call vote", Verb.VOTE_OPEN, **ids),
            action("Record outcome (agreed)", Verb.OUTCOME_FORM, **ids),
            escalate,
        ]
    return _state_actions(view, item)


def _state_actions(view: ChairView, item: ItemView) -> list[ExecuteAction]:
    """What the chair can do next with an item whose vote has started."""
    if item.state is ItemState.VOTING and item.round_id:
        return [action("Close vote", Verb.VOTE_CLOSE, meeting=view.meeting_id, round=item.round_id)]
    if item.state is ItemState.CASTING_VOTE and item.round_id:
        return [
            action(
                f"Casting vote: {name}",
                Verb.VOTE_CASTING,
                meeting=view.meeting_id,
                round=item.round_id,
                choice=name,
            )
            for name in item.contenders
        ]
    ids = {"meeting": view.meeting_id, "case": item.case_id}
    if item.state is ItemState.ESCALATED:
        # Camden 002: «Where agreement cannot be reached by vote, the escalation policy will be
        # activated by the chair»; the panel may still agree, and the minutes say which.
        return [
            action("Escalate", Verb.ESCALATION_FORM, **ids),
            action("Record outcome (agreed)", Verb.OUTCOME_FORM, **ids),
        ]
    if item.state is ItemState.VOTED:
        return [action("Record outcome", Verb.OUTCOME_FORM, **ids)]
    if item.state is ItemState.DECIDED and not item.escalation:
        # Until the panel closes the chair can correct it, with a reason (not an escalation's
        # resolution: its owner recorded that).
        return [action("Change", Verb.OUTCOME_FORM, meeting=view.meeting_id, case=item.case_id)]
    return []


def _item_row(view: ChairView, item: ItemView, in_hand: ItemView | None, live: bool) -> ColumnSet:
    """One line per item, and the one action that fits its state."""
    state = STATE_TITLES[item.state]
    if view.status is MeetingStatus.CLOSED and not item.state.settled:
        state = "not reached: rolled to the next panel"
    elif in_hand is not None and item.case_id == in_hand.case_id:
        state += ", in hand (above)"
    elif item.state is ItemState.VOTING:
        state += f": {item.votes_cast} of {item.eligible} voted"
    text = f"{numbered(item.number, item.reference)} · {ROUTE_NAMES[item.section]} · " + (
        f"{item.locality} — {state}"
    )
    if item.state is ItemState.AWAITING_RESOLUTION:
        text = f"{numbered(item.number, item.reference)} — escalated: {item.escalation}"
    if item.state is ItemState.DECIDED:
        # Route and locality no longer matter: the outcome does (and 15 rows must fit).
        lead = f"; lead {item.lead_agency}" if item.lead_agency else ""
        tick = "; on the case system" if item.recorded else ""
        text = f"{numbered(item.number, item.reference)} — {item.outcome}{lead}{tick}"
    row_action = _row_action(view, item, in_hand) if live else None
    columns = [Column(width="stretch", items=[note(text, subtle=item.state.settled)])]
    if row_action is not None:
        columns.append(Column(width="auto", items=[buttons(row_action)]))
    return ColumnSet(separator=True, columns=columns)


def _row_action(view: ChairView, item: ItemView, in_hand: ItemView | None) -> ExecuteAction | None:
    if in_hand is not None and item.case_id == in_hand.case_id:
        return None
    if item.state in (ItemState.WAITING, ItemState.OPENED, ItemState.CASTING_VOTE):
        # Opening brings its papers (and the casting vote) onto the console.
        return action("Open", Verb.CASE_OPEN, meeting=view.meeting_id, case=item.case_id)
    actions = _state_actions(view, item)
    return actions[0] if actions else None


def _aob(view: ChairView) -> list[CardElement]:
    if not view.aob:
        return []
    # Twenty long notes would not fit one Teams message with 15 items: the latest are shown,
    # the count says so, and the minutes carry every one.
    latest = view.aob[-AOB_SHOWN:]
    heading_ = "**Any other business**" + (
        f" ({len(view.aob)} noted, every one in the minutes; the latest {len(latest)}:)"
        if len(view.aob) > len(latest)
        else ""
    )
    return [note(heading_, subtle=False), *(literal(text) for text in latest)]


def start_early(panel_id: str, said: str) -> Card:
    """Started on another day: asked first, as every member is asked to sign in."""
    return card(
        [
            heading("Start the panel early?"),
            note(said, subtle=False, color="Attention"),
            note("Starting it now asks every member to sign in, 1:1, and opens the console."),
        ],
        [action("Start the panel now", Verb.PANEL_START, panel=panel_id, confirm="yes")],
    )


def aob_form(
    view: ChairView, *, values: Mapping[str, str] | None = None, problem: str = ""
) -> Card:
    """Any other business, noted for the minutes: a form of its own, so the console (kept up
    to date in place) never holds typing."""
    body: list[CardElement] = [heading(f"Any other business: {view.panel_name}")]
    if problem:
        body.append(error(problem))
    body += [
        note(f"{plural(len(view.aob), 'note')} so far. Each goes in the minutes, 1:1 only."),
        TextInput(
            id="aob_text",
            label="Any other business, for the minutes",
            max_length=500,
            is_multiline=True,
            value=(values or {}).get("aob_text"),
        ),
    ]
    return card(
        body,
        [
            action("Add to the minutes", Verb.PANEL_AOB, meeting=view.meeting_id),
            back("Back to the console", Verb.PANEL_CONSOLE, meeting=view.meeting_id),
        ],
    )
