"""Every verb a card can send has a handler, and every handler's verb is sent by some card or
typed command: a new button cannot be left without a handler, nor a handler without a way in."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.actions import parse_action
from bot.handlers import COMMANDS, HANDLERS, PERSONAL_TEXT, SHARED_TEXT
from cards.verbs import LEGACY, Verb

ROOT = Path(__file__).resolve().parents[2]


def verbs_named_in(folder: Path) -> set[Verb]:
    """The verbs the code in `folder` names (`Verb.X`): what its cards can emit."""
    named: set[Verb] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Verb"
            ):
                named.add(Verb[node.attr])
    return named


def test_every_verb_has_exactly_one_handler() -> None:
    assert set(HANDLERS) == set(Verb)


def test_every_handlers_verb_is_emitted_by_a_card_or_a_typed_command() -> None:
    emitted = verbs_named_in(ROOT / "cards") | set(COMMANDS.values())
    assert set(HANDLERS) - emitted == set()


def test_every_view_after_a_refusal_is_a_verb_with_a_handler() -> None:
    views = {r.view for r in HANDLERS.values() if r.view is not None}
    assert views <= set(HANDLERS)


def test_a_card_sent_before_the_verbs_were_renamed_still_reaches_its_handler() -> None:
    for old, verb in LEGACY.items():
        parsed = parse_action({"action": {"type": "Action.Execute", "verb": old, "data": {}}})
        assert parsed.verb is verb
        assert verb in HANDLERS


def test_typed_commands_do_not_overlap_between_verbs_and_text_only_handlers() -> None:
    assert not set(COMMANDS) & set(PERSONAL_TEXT)
    assert set(SHARED_TEXT) == {"agenda", "start panel", "panel"}
