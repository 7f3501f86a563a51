"""Writing a message into the outbox table, shared by the Outbox and by the unit of work,
which writes a use case's messages in the transaction of the change that causes them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import schema
from storage.crypto import FieldCipher
from storage.mapping import to_utc

KEY_LENGTH = 200  # schema.outbox.c.idempotency_key


def upsert_statement(
    engine: AsyncEngine | AsyncConnection, table: Table
) -> postgresql.Insert | sqlite.Insert:
    """INSERT with ON CONFLICT support, which Core's generic insert lacks."""
    name = engine.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"No ON CONFLICT support for the {name} dialect.")


async def insert_message(
    conn: AsyncConnection,
    cipher: FieldCipher,
    key: str,
    recipient: str,
    kind: str,
    payload: Mapping[str, object],
    now: datetime,
    queued_for: Mapping[str, object] | None = None,
) -> bool:
    """Add a message due now in the caller's transaction; False if its key was already used.
    `queued_for` is what it depends on (panel.relevance.QueuedFor.to_json), in the clear."""
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"An idempotency key is 1 to {KEY_LENGTH} characters.")
    # Payloads to 1:1 chats may carry case detail (docs/safeguards.md §1), so the whole payload
    # is encrypted.
    sealed = cipher.encrypt(json.dumps(dict(payload), separators=(",", ":")))
    statement = (
        upsert_statement(conn, schema.outbox)
        .values(
            idempotency_key=key,
            recipient=recipient,
            kind=kind,
            payload_enc=sealed,
            attempts=0,
            next_attempt_at=to_utc(now),
            queued_at=to_utc(now),
            queued_for=None if queued_for is None else dict(queued_for),
        )
        .on_conflict_do_nothing(index_elements=[schema.outbox.c.idempotency_key])
    )
    result = await conn.execute(statement)
    return result.rowcount == 1
