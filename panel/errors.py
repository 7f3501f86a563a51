"""Business refusals. Each carries a plain message fit to show a chair or a member as it is."""

from __future__ import annotations

import traceback
from datetime import date
from pathlib import Path


class DomainError(Exception):
    """A rule said no. `str(error)` is a plain sentence for the user; it never holds child data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    """A case was asked to move to a state its lifecycle does not allow from where it is."""


class ConsentMissing(DomainError):
    """The policy requires consent to discuss before a family can be listed."""


class SafeguardingRedirect(DomainError):
    """An immediate safeguarding concern: refer to the MASH now, not to a panel."""


class InvalidInput(DomainError):
    """A value is missing, the wrong type, too long or not one the policy knows."""


class NotPermitted(DomainError):
    """The person's role on this panel does not allow the action."""


class NotFound(DomainError):
    """The thing referred to does not exist (or is not visible to this person)."""


class AgendaFrozen(DomainError):
    """The agenda for that panel is frozen; changes go to the next panel."""


class DeadlinePassed(DomainError):
    """The window for this action has closed."""


class NotPanelDay(DomainError):
    """The panel was started on a day that is not its own: asked first (issue 14)."""

    def __init__(self, message: str, panel_date: date) -> None:
        super().__init__(message)
        self.panel_date = panel_date


class NotQuorate(DomainError):
    """The panel is not quorate, so it cannot make this decision."""


class VoteRejected(DomainError):
    """A vote could not be cast, opened or closed."""


class Conflict(DomainError):
    """Someone else made the same change at the same moment; theirs stands."""


class Unavailable(DomainError):
    """The records could not be written just now (the database is read-only, gone or down):
    nothing was saved, and the person is told so, never that it worked."""


def summary(error: BaseException) -> str:
    """What a log may say of an unexpected error: its type and where it was raised, never its
    message or a traceback's locals, which can hold what a person typed (a child's name in a
    number field, say) or a query's bound values (docs/safeguards.md §1)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return type(error).__name__
    last = frames[-1]
    return f"{type(error).__name__} at {Path(last.filename).name}:{last.lineno} in {last.name}"
