"""What the Teams edge needs from storage, as Protocols; app.py hands it the implementations
(storage.outbox), so bot/ never imports storage/."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from panel.delivery import Delivery


class SeenActivities(Protocol):
    async def first_time(self, activity_id: str, now: datetime) -> bool:
        """True the first time an activity id is seen; False for a re-delivery."""
        ...


class References(Protocol):
    async def save(
        self, tenant_id: str, person_id: str, reference: Mapping[str, object], now: datetime
    ) -> None: ...

    async def get(self, tenant_id: str, person_id: str) -> dict[str, Any] | None: ...


class Queued(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def key(self) -> str: ...

    @property
    def recipient(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def attempts(self) -> int: ...

    @property
    def queued_for(self) -> Mapping[str, object] | None:
        """What the message depends on (panel.relevance.QueuedFor as JSON); None: nothing."""
        ...

    @property
    def queued_at(self) -> datetime | None:
        """When it was queued; the worker gives up on it a day later."""
        ...

    @property
    def unconfirmed_since(self) -> datetime | None:
        """An earlier send of this message may have arrived: look before sending again."""
        ...


class Queue(Protocol):
    """The durable outbox (storage.outbox.Outbox)."""

    async def enqueue(
        self,
        key: str,
        recipient: str,
        kind: str,
        payload: Mapping[str, object],
        now: datetime,
        queued_for: Mapping[str, object] | None = None,
    ) -> bool: ...

    async def claim(
        self, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[Any]: ...

    async def mark_sent(
        self, message_id: int, worker: str, now: datetime, teams_message_id: str | None = None
    ) -> bool: ...

    async def begin(self, message_id: int, worker: str, now: datetime) -> bool:
        """Note a send is under way (outcome unknown); False if `worker` lost the message."""
        ...

    async def release(self, worker: str, now: datetime) -> int:
        """Hand back the unsent messages `worker` holds, due at once; how many."""
        ...

    async def heartbeat(self, worker: str, now: datetime, alive: timedelta) -> int:
        """Note `worker` is alive; how many workers were seen within `alive`."""
        ...

    async def cancel(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        """Drop a message whose reason has gone: never sent, its content erased, `reason`
        kept; False if `worker` no longer holds it."""
        ...

    async def mark_failed(
        self,
        message_id: int,
        worker: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
        unconfirmed_since: datetime | None = None,
    ) -> bool: ...


class Undelivered(Protocol):
    """Messages the outbox gave up on (storage.outbox.Outbox.failed): who, what, why."""

    async def failed(self, limit: int = 100) -> list[Any]: ...

    async def unreported(self, limit: int = 500) -> list[Any]:
        """Given up on, and business support not yet told."""
        ...

    async def mark_reported(self, message_ids: list[int], now: datetime) -> int: ...


class DeliveryLog(Protocol):
    """Where queued messages have got to (storage.outbox.Outbox), for business support's desk,
    and the read receipts that mark them read."""

    async def deliveries(self, key_prefix: str, limit: int = 500) -> list[Delivery]: ...

    async def not_delivered(self, limit: int = 500) -> list[Delivery]: ...

    async def mark_read(self, recipient: str, last_read_message_id: str, now: datetime) -> int: ...
