"""Engines for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

BUSY_TIMEOUT_MS = 30_000
STATEMENT_TIMEOUT_MS = 15_000


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory lock key is a bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), signed=True)


def create_engine(url: str, **kw: Any) -> AsyncEngine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_async_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
            hide_parameters=True,  # bound values are children's data: never in a log or error
            **kw,
        )
        _sqlite_single_writer(engine)
        return engine
    if backend == "postgresql":
        return create_async_engine(
            url,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={
                "server_settings": {
                    "statement_timeout": str(STATEMENT_TIMEOUT_MS),
                    "idle_in_transaction_session_timeout": "60000",
                }
            },
            **kw,
        )
    raise ValueError(f"DATABASE_URL must be sqlite+aiosqlite or postgresql+asyncpg, not {backend}.")


def _sqlite_single_writer(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, a busy timeout, and every transaction BEGIN IMMEDIATE.

    pysqlite starts transactions lazily, at the first write, so two read-modify-write
    transactions could both read and then one would fail or overwrite. Taking the write lock at
    BEGIN makes SQLite's single writer explicit: transactions queue instead of racing.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
