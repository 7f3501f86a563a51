"""One parsing layer for what people type into cards (docs/safeguards.md §9).

Every text, number and date a card's form sends goes through these functions. Anything
unusable becomes an `InvalidInput` with a plain sentence; the handler sends the form back with
that sentence and what was typed, never a 5xx. Numbers are whole numbers written in ASCII
digits only: `float()` would take "1e999", "inf" and "-Infinity", `int()` chokes on "²", and
either way a traceback (and the text in it) would reach the log. Text that cannot be stored
(a lone UTF-16 surrogate, control characters) is refused here, before it meets the encryption.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from panel.errors import InvalidInput

_DIGITS = re.compile(r"[0-9]{1,9}")
_DECIMAL = re.compile(r"-?[0-9]{1,9}(\.[0-9]{1,6})?")
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def storable(value: str) -> bool:
    """Whether the text can be kept as typed: no lone surrogates (which cannot be encoded)
    and no control characters other than line breaks and tabs."""
    return all(
        ch in _ALLOWED_CONTROLS or unicodedata.category(ch) not in ("Cs", "Cc") for ch in value
    )


def text(inputs: Mapping[str, object], key: str, limit: int, what: str) -> str:
    """The field's text, stripped; '' when absent."""
    value = inputs.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text.")
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters; please shorten it.")
    if not storable(value):
        raise InvalidInput(f"{what} has characters that cannot be stored; please retype it.")
    return value


def whole_number(
    inputs: Mapping[str, object], key: str, what: str, *, low: int, high: int
) -> int | None:
    """The field as a whole number from `low` to `high`; None when left empty."""
    raw = text(inputs, key, 20, what)
    if not raw:
        return None
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidInput(f"{what} must be a whole number from {low} to {high}.")
    return int(raw)


def day(inputs: Mapping[str, object], key: str, what: str) -> date | None:
    """The field as a date (YYYY-MM-DD, as Adaptive Cards' date input sends it)."""
    raw = text(inputs, key, 10, what)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{what} must be a date (YYYY-MM-DD).") from None


def number_to_show(value: object) -> int | float | None:
    """A number typed earlier, for a NumberInput that comes back with a problem: as typed
    if it is a plain decimal number (2.5 comes back as 2.5), else nothing."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value.strip()):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number
