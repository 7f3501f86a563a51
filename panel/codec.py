"""The outbox codec: frozen dataclasses of str, int, bool, date, datetime, enums, optional
fields and tuples, to JSON and back. Reading checks every field's type, so a row this version
cannot read fails loudly (`Unreadable`) instead of rendering a wrong card."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints


class Unreadable(ValueError):
    """A stored payload this version cannot read (a bug or a corrupted row, never user input)."""


Reader = Callable[[object], Any]


def encode(value: object) -> object:
    """JSON-ready data for a message body (dicts, lists, strings, numbers, booleans)."""
    if isinstance(value, (str, int, float)) or value is None:  # bool is an int
        return value
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    if isinstance(value, (date, datetime)):  # datetime is a date: both by isoformat
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    out: dict[str, object] = {}
    for name, optional in _fields_of(type(value)):
        item = getattr(value, name)
        if item is None and optional:
            continue  # an optional field left out keeps packs small (Teams' size limit)
        out[name] = encode(item)
    return out


def decode_as(hint: Any, raw: object) -> Any:
    """`raw` (JSON data) read as `hint`, every field's type checked; `Unreadable` if it is not."""
    return _reader(hint)(raw)


_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, bool], ...]:
    """A dataclass's fields and whether each is optional (None by default); found once."""
    found = _FIELDS.get(cls)
    if found is None:
        if not is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a message body")
        found = _FIELDS[cls] = tuple((f.name, f.default is None) for f in fields(cls))
    return found


# Each type's reader is built once (the simulation reads some 50,000 messages a year, each
# with dozens of fields): looking the type up on every field doubled its run time.
@functools.cache
def _reader(hint: Any) -> Reader:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _optional(hint)
    if origin is tuple:
        return _tuple(get_args(hint))
    if is_dataclass(hint) and isinstance(hint, type):
        return _dataclass(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _enum(hint)
    if hint is datetime or hint is date:
        return _iso(hint)
    if hint in (bool, str):
        return _exactly(hint)
    if hint is int:
        return _int
    raise TypeError(f"a message body cannot hold {hint!r}")


def _optional(hint: Any) -> Reader:
    options = [a for a in get_args(hint) if a is not type(None)]
    inner = _reader(options[0])
    if len(options) == len(get_args(hint)):
        return inner

    def read(raw: object) -> Any:
        return None if raw is None else inner(raw)

    return read


def _tuple(args: tuple[Any, ...]) -> Reader:
    readers = [_reader(a) for a in args if a is not Ellipsis]
    repeated = len(args) == 2 and args[1] is Ellipsis

    def read(raw: object) -> tuple[Any, ...]:
        if isinstance(raw, Mapping):
            raw = list(raw.items())  # version 1 kept (name, value) pairs as an object
        if not isinstance(raw, (list, tuple)):
            raise Unreadable("list")
        if repeated:
            return tuple(map(readers[0], raw))
        if len(raw) != len(readers):
            raise Unreadable("pair")
        return tuple(r(item) for r, item in zip(readers, raw, strict=True))

    return read


def _dataclass(cls: type) -> Reader:
    hints = get_type_hints(cls)
    # (field, key in version 2, key in version 1, reader, required). Version 1 stored the
    # circulated fields under the policy's names ("child-names").
    plan = [
        (f.name, f.name.replace("_", "-"), _reader(hints[f.name]), f.default is MISSING)
        for f in fields(cls)
    ]

    def read(raw: object) -> object:
        if not isinstance(raw, Mapping):
            raise Unreadable(f"{cls.__name__} object")
        values: dict[str, object] = {}
        for name, old_name, reader, required in plan:
            if name in raw:
                values[name] = reader(raw[name])
            elif old_name in raw:
                values[name] = reader(raw[old_name])
            elif required:
                raise Unreadable(f"{cls.__name__}.{name} missing")
        return cls(**values)

    return read


def _enum(cls: type[Enum]) -> Reader:
    def read(raw: object) -> Enum:
        try:
            return cls(raw)
        except ValueError:
            raise Unreadable(f"{cls.__name__} value") from None

    return read


def _iso(cls: type[date]) -> Reader:
    def read(raw: object) -> date:
        if not isinstance(raw, str):
            raise Unreadable(cls.__name__)
        try:
            return cls.fromisoformat(raw)
        except ValueError:
            raise Unreadable(cls.__name__) from None

    return read


def _exactly(cls: type) -> Reader:
    def read(raw: object) -> object:
        if type(raw) is not cls:
            raise Unreadable(cls.__name__)
        return raw

    return read


def _int(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Unreadable("int")
    return raw
