"""A case's history, 1:1 to business support and the chair: where it is now and what was done
to it, when and by whom, in plain English (`find EHM-1234`)."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import CardElement, Container, TextInput

from cards.common import Card, action, card, error, heading, note, when
from cards.verbs import Verb
from panel.usecases.history import CaseHistory
from panel.words import plural

FIND_FIELDS = frozenset({"reference"})


def find_form(*, problem: str = "", typed: str = "") -> Card:
    body: list[CardElement] = [heading("Find a case")]
    if problem:
        body.append(error(problem))
    body += [
        note("By its reference on the case system only: never by a child's or family's name."),
        TextInput(
            id="reference",
            label="Case reference",
            placeholder="EHM-1234",
            max_length=40,
            is_required=True,
            error_message="Give the case reference.",
            value=typed or None,
        ),
    ]
    return card(body, [action("Find", Verb.CASE_FIND)])


def histories(found: Sequence[CaseHistory]) -> Card:
    body: list[CardElement] = []
    for history in found:
        items: list[CardElement] = [
            heading(f"Case {history.reference}: {history.panel_name}"),
            note(f"Now: {history.state}.", subtle=False),
        ]
        if history.lead:
            items.append(note(f"Lead: {history.lead}.", subtle=False))
        if history.earlier:
            items.append(note(f"{plural(history.earlier, 'earlier step')} not shown."))
        items.append(
            note(
                "\n\n".join(f"{when(line.at)}: {line.who} {line.what}." for line in history.lines)
                or "Nothing recorded yet.",
                subtle=False,
            )
        )
        body.append(Container(separator=True, items=items))
    return card(body, [action("Find another", Verb.CASE_FIND)])
