"""The outbox codec: frozen dataclasses of str, int, bool, date, datetime, enums, optional
fields and tuples, to JSON and back. Reading checks every field's type, so a row this version
cannot read fails loudly (`Unreadable`) instead of rendering a wrong card."""

from __future__ import annotations

import functools
import types
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints


class Unreadable(ValueError):
    """A stored payload this version cannot read (a bug or a corrupted row, never user input)."""


def encode(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, object] = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if item is None and f.default is None:
                continue  # an optional field left out keeps packs small (Teams' size limit)
            out[f.name] = encode(item)
        return out
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if isinstance(value, (date, datetime)):  # datetime is a date: both by isoformat
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def decode_as(hint: Any, raw: object) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if raw is None and len(options) < len(get_args(hint)):
            return None
        return decode_as(options[0], raw)
    if origin is tuple:
        return _tuple(get_args(hint), raw)
    if is_dataclass(hint) and isinstance(hint, type):
        return _dataclass(hint, raw)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(raw)
        except ValueError:
            raise Unreadable(f"{hint.__name__} value") from None
    if hint is datetime or hint is date:
        if not isinstance(raw, str):
            raise Unreadable(hint.__name__)
        try:
            return hint.fromisoformat(raw)
        except ValueError:
            raise Unreadable(hint.__name__) from None
    if hint is bool:
        if not isinstance(raw, bool):
            raise Unreadable("bool")
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise Unreadable("int")
        return raw
    if hint is str:
        if not isinstance(raw, str):
            raise Unreadable("str")
        return raw
    raise Unreadable(f"type {hint!r}")


def _tuple(args: tuple[Any, ...], raw: object) -> tuple[Any, ...]:
    if isinstance(raw, Mapping):
        raw = list(raw.items())  # version 1 kept (name, value) pairs as an object
    if not isinstance(raw, (list, tuple)):
        raise Unreadable("list")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode_as(args[0], item) for item in raw)
    if len(raw) != len(args):
        raise Unreadable("pair")
    return tuple(decode_as(a, item) for a, item in zip(args, raw, strict=True))


def _dataclass(cls: type, raw: object) -> object:
    if not isinstance(raw, Mapping):
        raise Unreadable(f"{cls.__name__} object")
    hints = _hints(cls)
    values: dict[str, object] = {}
    for f in fields(cls):
        # Version 1 stored the circulated fields under the policy's names ("child-names").
        key = f.name if f.name in raw else f.name.replace("_", "-")
        if key in raw:
            values[f.name] = decode_as(hints[f.name], raw[key])
        elif f.default is MISSING:
            raise Unreadable(f"{cls.__name__}.{f.name} missing")
    return cls(**values)
