"""One instance at a time for a scheduled sweep: every instance runs the scheduler, and two
running the week's step together on PostgreSQL raced to create the same sitting (the second
failed on the unique panel-and-date key). The sweeps are idempotent; this keeps them from
doing the same work side by side.

PostgreSQL session advisory locks, taken without waiting: an instance that finds the lock
held skips the sweep, because another instance is doing it now. SQLite serves one instance,
and APScheduler never runs one job twice at once, so there it always proceeds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from storage.engine import lock_key
from storage.unit_of_work import Store

__all__ = ["exclusively", "lock_key"]


@asynccontextmanager
async def exclusively(store: Store, name: str) -> AsyncIterator[bool]:
    """Yields True when this instance holds `name`'s lock (or needs none), False when another
    instance holds it now."""
    if not store.locking:
        yield True
        return
    key = lock_key(name)
    # Autocommit: the lock belongs to the session, so no transaction stays open meanwhile.
    async with store.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        held = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
