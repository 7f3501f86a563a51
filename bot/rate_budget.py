"""Teams' rate limits for a bot's proactive sends, kept rather than retried
(docs/safeguards.md §10)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Sends go side by side, so two spaced 20 ms apart when their tokens are taken can reach Teams
# closer together (one request's connection is slower than the other's). At exactly the limit
# that bunching earns 429s over Teams' sliding window; 5% under, it does not.
HEADROOM = 1.0


class TokenBucket:
    """`rate` sends a second, evenly spaced: Teams counts over sliding windows, so a burst at
    the start of one second and steady sends after it would exceed the limit."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate, self.tokens, self.at = rate, 1.0, now

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 if one is)."""
        self.tokens = min(1.0, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1 - 1e-9:
            return 0.0
        # At least a millisecond: float rounding (and clocks with microsecond steps) would
        # otherwise ask for waits too small to move time on, and the caller would spin.
        return max((1 - self.tokens) / self.rate, 0.001)

    def take(self) -> None:
        self.tokens -= 1


class RateBudget:
    """Teams' limits for a bot's proactive sends: 7 a second per conversation and 50 a second
    per tenant (docs/safeguards.md §10). Keeping under them avoids the 429s instead of
    retrying them.

    Several instances divide the limits evenly (`share`): each worker counts the live workers
    through the database. Conversations are divided too, because two workers may each hold
    messages for one person. Any 429 still comes with a Retry-After, which the worker honours.
    """

    def __init__(
        self,
        per_conversation: float = 7.0 * HEADROOM,
        per_tenant: float = 50.0 * HEADROOM,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._rates = (per_conversation, per_tenant)
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.workers = 1

    def share(self, workers: int) -> None:
        """Take 1/`workers` of each limit (several instances are sending)."""
        workers = max(1, workers)
        if workers != self.workers:
            self.workers = workers
            for (kind, _), bucket in self._buckets.items():
                bucket.rate = self._rate(kind)

    def _rate(self, kind: str) -> float:
        return (self._rates[0] if kind == "conversation" else self._rates[1]) / self.workers

    def _bucket(self, kind: str, key: str) -> TokenBucket:
        rate = self._rate(kind)
        found = self._buckets.get((kind, key))
        if found is None:
            found = self._buckets[(kind, key)] = TokenBucket(rate, self._monotonic())
            if len(self._buckets) > 10_000:  # forget idle conversations' buckets
                self._buckets = {k: v for k, v in self._buckets.items() if v.tokens < 1.0}
                self._buckets[(kind, key)] = found
        return found

    async def acquire(self, conversation: str, tenant: str) -> None:
        buckets = (self._bucket("conversation", conversation), self._bucket("tenant", tenant))
        while True:
            now = self._monotonic()
            wait = max(b.wait(now) for b in buckets)
            if wait <= 0:
                for bucket in buckets:
                    bucket.take()
                return
            await self._sleep(wait)
