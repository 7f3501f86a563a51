"""Card actions as they arrive: checked for shape before anything acts on them
(docs/safeguards.md §4).

A card can be edited by whoever holds it, so its data is untrusted: only known keys, strings
of bounded length, and references that look like our opaque ids. Identity never comes from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cards.follow_up import FOLLOW_UP_FIELDS
from cards.history import FIND_FIELDS
from cards.intake import DIRECT_FIELDS, FORM_FIELDS
from cards.outcomes import ESCALATION_FIELDS, OUTCOME_FIELDS
from cards.panel_day import AOB_FIELDS, LEAD_FIELDS, REOPEN_FIELDS, SIGN_IN_FIELDS
from cards.verbs import Verb, verb_of
from panel.errors import InvalidInput
from panel.ports import REFERENCE_LENGTH

REFERENCE_KEYS = frozenset(
    {"panel", "meeting", "case", "to", "round", "milestone", "page", "what", "confirm"}
)
REFERENCE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{REFERENCE_LENGTH - 1}}}")
# A vote's choice is an agency's name, checked against the round's candidates by the rules.
CHOICE = re.compile(r"[\w][\w &'()/,.-]{0,99}")
PER_CASE_INPUT = re.compile(r"(known|information|could_lead|reason)\.[0-9a-f]{32}")
OTHER_INPUTS = (
    FORM_FIELDS
    | OUTCOME_FIELDS
    | ESCALATION_FIELDS
    | LEAD_FIELDS
    | FIND_FIELDS
    | SIGN_IN_FIELDS
    | AOB_FIELDS
    | REOPEN_FIELDS
    | DIRECT_FIELDS
    | FOLLOW_UP_FIELDS
    | {"capacity"}
)
MAX_KEYS = 120
MAX_VALUE = 2000


class Tampered(InvalidInput):
    """Card data that our cards cannot have produced."""


@dataclass(frozen=True)
class CardAction:
    verb: Verb
    refs: Mapping[str, str]
    inputs: Mapping[str, str]
    # The Teams message the card was pressed in (the invoke's replyToId): what the answer
    # replaces, so the chair's console can be kept current there.
    message_id: str = ""

    def ref(self, key: str) -> str:
        try:
            return self.refs[key]
        except KeyError:
            raise Tampered(f"The card did not say which {key} it is about.") from None

    def per_case(self, case_id: str) -> dict[str, str]:
        """This case's inputs from a card holding forms for several cases."""
        suffix = f".{case_id}"
        return {k.removesuffix(suffix): v for k, v in self.inputs.items() if k.endswith(suffix)}


def parse_action(value: object) -> CardAction:
    """The `action` of an `adaptiveCard/action` invoke value (a plain dict in botbuilder 4.17)."""
    if not isinstance(value, Mapping):
        raise Tampered("The card action is not an object.")
    action = value.get("action")
    if not isinstance(action, Mapping) or action.get("type") not in (None, "Action.Execute"):
        raise Tampered("The card action is not an Action.Execute.")
    name = action.get("verb")
    verb = verb_of(name) if isinstance(name, str) else None
    if verb is None:
        raise Tampered("The card asked for something this bot does not do.")
    data = action.get("data")
    data = {} if data is None else data
    if not isinstance(data, Mapping) or len(data) > MAX_KEYS:
        raise Tampered("The card's data is not an object of the expected size.")
    refs: dict[str, str] = {}
    inputs: dict[str, str] = {}
    for key, raw in data.items():
        if not isinstance(key, str):
            raise Tampered("The card's data has a key that is not text.")
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise Tampered("The card's data has a value that is not text.")
        text = raw if isinstance(raw, str) else str(raw)
        if len(text) > MAX_VALUE:
            raise Tampered("The card's data has a value that is too long.")
        if key == "choice":
            if not CHOICE.fullmatch(text):
                raise Tampered("The card's data has a choice that is not an agency's name.")
            refs[key] = text
        elif key in REFERENCE_KEYS:
            if not REFERENCE.fullmatch(text):
                raise Tampered("The card's data has a reference that is not one of ours.")
            refs[key] = text
        elif key in OTHER_INPUTS or PER_CASE_INPUT.fullmatch(key):
            inputs[key] = text
        else:
            raise Tampered("The card's data has a field our cards do not have.")
    return CardAction(verb, refs, inputs)
