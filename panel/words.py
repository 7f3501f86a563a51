"""Words as people write them: "1 case", "2 cases", never "case(s)"."""

from __future__ import annotations


def plural(count: int, one: str, many: str = "") -> str:
    """The count and the noun that agrees with it; `many` when the plural is not `one` + "s"
    ("agency", "agencies")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
