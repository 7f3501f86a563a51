"""Walking a rendered Adaptive Card (a dict) in tests: every element, action and text."""

from __future__ import annotations

from typing import Any


def nodes(node: Any) -> list[dict[str, Any]]:
    """Every object in the card, depth first, the card itself included."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for child in node.values():
            found += nodes(child)
    elif isinstance(node, list):
        for child in node:
            found += nodes(child)
    return found


def texts_of(card: dict[str, Any]) -> str:
    """Every piece of text on a card, for assertions."""
    keys = ("text", "title", "value", "label")
    return "\n".join(n[k] for n in nodes(card) for k in keys if isinstance(n.get(k), str))
