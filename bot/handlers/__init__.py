"""The bot's handlers, one module per workflow; importing this package registers them all in
`registry` (the one table from verbs and typed commands to handlers)."""

from bot.handlers import (
    escalations,
    follow_up,
    info_checks,
    intake,
    leads,
    outcomes,
    panel_day,
    records,
    votes,
    week,
)
from bot.handlers.registry import (
    COMMANDS,
    HANDLERS,
    PERSONAL_TEXT,
    SHARED_TEXT,
    Registered,
    Services,
)

__all__ = [
    "COMMANDS",
    "HANDLERS",
    "PERSONAL_TEXT",
    "SHARED_TEXT",
    "Registered",
    "Services",
    "escalations",
    "follow_up",
    "info_checks",
    "intake",
    "leads",
    "outcomes",
    "panel_day",
    "records",
    "votes",
    "week",
]
