"""The panel's Notifier, made durable: every message goes into the outbox first and the
delivery worker sends it, so a crash or a Teams outage loses nothing (PRODUCT.md §3.10)."""

from __future__ import annotations

from collections.abc import Callable

from bot.ports import Queue
from panel.ports import ChannelNotice, Clock, DirectMessage

PERSON = "person:"
CHANNEL = "channel:"


class OutboxNotifier:
    def __init__(self, queue: Queue, clock: Clock, wake: Callable[[], None]) -> None:
        self._queue, self._clock, self._wake = queue, clock, wake

    async def direct(self, message: DirectMessage) -> None:
        await self._queue.enqueue(
            message.key,
            PERSON + message.person_id,
            message.kind.value,
            {"text": message.text, "data": dict(message.data)},
            self._clock.now(),
        )
        self._wake()

    async def channel(self, notice: ChannelNotice) -> None:
        # Notices carry counts and the use case's own words: never case data (§3.1).
        await self._queue.enqueue(
            notice.key,
            CHANNEL + notice.panel_id,
            notice.kind.value,
            {"text": notice.text, "counts": dict(notice.counts)},
            self._clock.now(),
        )
        self._wake()
