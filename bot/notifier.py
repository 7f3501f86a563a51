"""The panel's Notifier, made durable: every message goes into the outbox first and the
delivery worker sends it, so a crash or a Teams outage loses nothing (PRODUCT.md §3.10).

Use cases that change something send their messages through the unit of work instead
(`uow.send`), so the messages commit with the change; this is for the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.ports import Queue
from panel.ports import CHANNEL, PERSON, ChannelNotice, Clock, DirectMessage

__all__ = ["CHANNEL", "PERSON", "OutboxNotifier"]


class OutboxNotifier:
    def __init__(self, queue: Queue, clock: Clock, wake: Callable[[], None]) -> None:
        self._queue, self._clock, self._wake = queue, clock, wake

    async def direct(self, message: DirectMessage) -> None:
        await self._send(message)

    async def channel(self, notice: ChannelNotice) -> None:
        await self._send(notice)

    async def _send(self, message: DirectMessage | ChannelNotice) -> None:
        await self._queue.enqueue(
            message.key,
            message.recipient,
            message.kind.value,
            message.payload,
            self._clock.now(),
            None if message.queued_for is None else message.queued_for.to_json(),
        )
        self._wake()
