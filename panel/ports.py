"""What the use cases need from the outside world, as small Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from panel.cases import Case
from panel.meeting import Meeting
from panel.messages import ChannelNotice, DirectMessage, Message
from panel.roster import Panel


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime."""
        ...


class CaseRepository(Protocol):
    async def add(self, case: Case) -> None: ...

    async def get(self, case_id: str) -> Case:
        """The case, or `NotFound`."""
        ...

    async def waiting_for_agenda(self, panel_id: str) -> list[Case]: ...

    async def active_with_reference(self, panel_id: str, reference: str) -> Case | None: ...

    async def tracking(self, panel_id: str) -> list[Case]: ...

    async def with_reference(self, panel_id: str, reference: str) -> list[Case]:
        """Every case of the panel with this reference, in any state, oldest first (found by
        the reference's keyed hash: never by a name)."""
        ...

    async def escalated(self, panel_id: str) -> list[Case]:
        """Cases that were ever escalated (open or resolved): the minutes report on them."""
        ...

    async def before_panel(self, panel_id: str) -> list[Case]:
        """Cases referred and not yet discussed: business support's working list."""
        ...


class MeetingRepository(Protocol):
    async def add(self, meeting: Meeting) -> None: ...

    async def get(self, meeting_id: str) -> Meeting:
        """The meeting, or `NotFound`."""
        ...

    async def on_date(self, panel_id: str, panel_date: date) -> Meeting | None: ...

    async def listing(self, case_id: str) -> list[Meeting]:
        """The sittings not yet closed whose agenda or overflow lists the case."""
        ...


class PanelDirectory(Protocol):
    def get(self, panel_id: str) -> Panel:
        """The panel, or `NotFound`. Panels come from configuration, so this is synchronous."""
        ...


# The longest opaque reference (a panel, sitting, case, vote or milestone id) a card may carry:
# the edge refuses longer ones, and the audit log stores any it accepts (docs/safeguards.md §4, §6).
REFERENCE_LENGTH = 64


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to which case, allowed or refused. Ids and action names only: no child data."""

    at: datetime
    actor: str
    tenant: str
    panel_id: str
    case_id: str | None
    action: str
    allowed: bool
    reason: str = ""  # for a refusal, the kind of refusal ("NotPermitted"), never user text


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> None:
        """Append; the log is never updated or deleted."""
        ...

    async def for_case(self, case_id: str) -> list[AuditEntry]:
        """What was done to one case (committed), oldest first: its history."""
        ...


class UnitOfWork(Protocol):
    @property
    def cases(self) -> CaseRepository: ...

    @property
    def meetings(self) -> MeetingRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def send(self, message: Message, at: datetime) -> None:
        """Send `message` with this transaction: it goes to the outbox when the transaction
        commits, and never if it rolls back. So a change and the messages it causes are
        never parted, even by a crash or a cancelled task between the two."""
        ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
"""Each use case opens its own unit of work: one transaction, never shared between requests."""


class Notifier(Protocol):
    async def direct(self, message: DirectMessage) -> None: ...

    async def channel(self, notice: ChannelNotice) -> None: ...
