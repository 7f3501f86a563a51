"""Building blocks shared by the cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Container,
    ExecuteAction,
    Fact,
    FactSet,
    RichTextBlock,
    ShowCardAction,
    TextBlock,
    TextInput,
    TextRun,
)

from cards.verbs import Verb
from panel.calendar import long_date

Card = dict[str, Any]
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION: Literal["1.5"] = "1.5"
Color = Literal["Default", "Good", "Warning", "Attention", "Accent"]


def card(
    body: Sequence[CardElement], actions: Sequence[ExecuteAction | ShowCardAction] = ()
) -> Card:
    model = AdaptiveCard(version=VERSION, body=list(body), actions=list(actions) or None)
    result: Card = _whole_numbers(model.model_dump(by_alias=True, exclude_none=True))
    result["$schema"] = SCHEMA
    return result


def asking(
    title: str, body: Sequence[CardElement], actions: Sequence[ExecuteAction]
) -> ShowCardAction:
    """A button that opens a question under it, in the same card (Action.ShowCard): a step
    that cannot be undone, or that surprises, is asked about before it is taken, and
    "not now" is simply not pressing the answer."""
    return ShowCardAction(
        title=title, card=AdaptiveCard(version=VERSION, body=list(body), actions=list(actions))
    )


def _whole_numbers(node: Any) -> Any:
    """The typed models hold every number as a float; `maxLength: 40.0` reads oddly to
    renderers that expect an integer, so whole floats go out as ints."""
    if isinstance(node, dict):
        return {k: _whole_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_whole_numbers(v) for v in node]
    if isinstance(node, float) and node.is_integer():
        return int(node)
    return node


def heading(text: str) -> TextBlock:
    return TextBlock(text=text, weight="Bolder", size="Medium", wrap=True)


def note(text: str, *, subtle: bool = True, color: Color | None = None) -> TextBlock:
    """Text the bot wrote itself (never user text: TextBlock renders markdown)."""
    # Not subtle is the default: left out, which keeps the largest cards under Teams' limit.
    return TextBlock(text=text, wrap=True, is_subtle=subtle or None, color=color)


def numbered(number: int, title: str) -> str:
    """An agenda item's line, in bold. A line starting "6. " would be a Markdown
    ordered list, which renderers renumber from 1, so the agenda, readiness and console would
    disagree; bold, the number is kept as written everywhere."""
    return f"**{number}. {title}**"


def literal(text: str, *, label: str = "") -> RichTextBlock:
    """User text shown exactly as typed: a TextRun is never parsed as markdown."""
    runs: list[CardElement] = [TextRun(text=f"{label}: ", weight="Bolder")] if label else []
    return RichTextBlock(inlines=[*runs, TextRun(text=text or "—")])


def error(text: str) -> Container:
    return Container(style="attention", items=[TextBlock(text=text, wrap=True, color="Attention")])


def facts(pairs: Mapping[str, str]) -> FactSet:
    return FactSet(facts=[Fact(title=k, value=v) for k, v in pairs.items()])


def action(title: str, verb: Verb, **data: str) -> ExecuteAction:
    return ExecuteAction(title=title, verb=verb, data=dict(data))


def why(
    input_id: str, label: str, error_message: str, *, max_length: int, value: str | None = None
) -> TextInput:
    """A required box for the reason behind a step that cannot be undone or corrects the
    record (kept with the case, told to those concerned): the label says where it goes."""
    return TextInput(
        id=input_id,
        label=label,
        is_multiline=True,
        is_required=True,
        error_message=error_message,
        max_length=max_length,
        value=value or None,
    )


def back(title: str, verb: Verb, **data: str) -> ExecuteAction:
    """A way back out of a form: sends none of the form's inputs, so a required box left empty
    does not hold the person on the form (Action.Execute validates them by default)."""
    return ExecuteAction(title=title, verb=verb, data=dict(data), associated_inputs="none")


def buttons(*actions: ExecuteAction | ShowCardAction) -> ActionSet:
    return ActionSet(actions=list(actions))


def when(moment: datetime) -> str:
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def day(value: date) -> str:
    return long_date(value)


def message(text: str, *, problem: str = "", actions: Sequence[ExecuteAction] = ()) -> Card:
    """A plain answer, optionally with what went wrong first."""
    body: list[CardElement] = [error(problem)] if problem else []
    body.append(note(text, subtle=False))
    return card(body, actions)


def _on_top(card_: Card, element: CardElement) -> Card:
    card_["body"].insert(0, _whole_numbers(element.model_dump(by_alias=True, exclude_none=True)))
    return card_


def with_problem(card_: Card, text: str) -> Card:
    """A card already built, with what went wrong shown first (it then shows the state)."""
    return _on_top(card_, error(text))


def with_notice(card_: Card, text: str) -> Card:
    """A card already built, with a line of news first ("That was already done")."""
    return _on_top(card_, note(text, subtle=False))
