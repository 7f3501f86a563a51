"""The audit log's hash chain (docs/safeguards.md §6): append rows with it, and verify it.

The database refuses updates, deletes, truncation and replacing inserts of audit rows (the
migrations' triggers), but a database owner can switch triggers off. So each row also carries
a keyed hash (`FieldCipher.seal`) over its own fields and the previous row's hash: a row
changed or removed in the middle breaks the chain at that row, and without the key nobody can
rebuild it. Removing rows at the end is only caught against a head recorded elsewhere:
`app.py --verify-audit` prints the count and head hash to keep (docs/security.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from panel.ports import AuditEntry
from storage import schema
from storage.crypto import FieldCipher
from storage.engine import lock_key
from storage.mapping import aware, to_utc

CHAIN_LOCK = lock_key("audit-chain")


def _link(cipher: FieldCipher, before: str, row: dict[str, Any]) -> str:
    at: datetime = row["at"]
    fields = [
        before,
        to_utc(aware(at)).isoformat(timespec="microseconds"),
        row["actor"],
        row["tenant"],
        row["panel_id"],
        row["case_id"],
        row["action"],
        bool(row["allowed"]),
        row["reason"],
    ]
    return cipher.seal(json.dumps(fields, separators=(",", ":")))


async def append(
    conn: AsyncConnection, cipher: FieldCipher, entries: Iterable[AuditEntry], *, locking: bool
) -> None:
    """Insert `entries` at the end of the chain, in the caller's transaction.

    On PostgreSQL the chain's end is taken under a transaction-scoped advisory lock, held until
    the caller commits (it writes the audit rows last, so that is moments); SQLite's single
    writer already serialises transactions."""
    rows = [
        {
            "at": to_utc(e.at),
            "actor": e.actor,
            "tenant": e.tenant,
            "panel_id": e.panel_id,
            "case_id": e.case_id,
            "action": e.action,
            "allowed": e.allowed,
            "reason": e.reason,
        }
        for e in entries
    ]
    if not rows:
        return
    if locking:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    t = schema.audit_log
    last = await conn.execute(
        select(t.c.chain).where(t.c.chain.is_not(None)).order_by(t.c.id.desc()).limit(1)
    )
    before = last.scalar_one_or_none() or ""
    for row in rows:
        before = row["chain"] = _link(cipher, before, row)
    await conn.execute(insert(t), rows)  # one statement for them all (a pack audits 15 cases)


@dataclass(frozen=True)
class ChainReport:
    rows: int  # rows on the chain
    unchained: int  # rows written before the chain began (migration 0005)
    head: str  # the last row's hash: keep it elsewhere to catch rows removed at the end
    broken_at: int | None  # the id of the first row that does not fit, if any

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def line(self) -> str:
        if not self.intact:
            return (
                f"The audit log has been altered: the chain breaks at row {self.broken_at} "
                "(that row, or one before it, was changed or removed)."
            )
        return (
            f"The audit log is intact: {self.rows} chained rows ({self.unchained} from before "
            f"the chain began); head {self.head or '(none)'}."
        )


async def verify(engine: AsyncEngine, cipher: FieldCipher, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order, in batches, and report the first row that does not fit."""
    t = schema.audit_log
    before, rows, unchained, after_id = "", 0, 0, 0
    async with engine.connect() as conn:
        while True:
            found = (
                await conn.execute(select(t).where(t.c.id > after_id).order_by(t.c.id).limit(batch))
            ).all()
            if not found:
                break
            for row in found:
                data = dict(row._mapping)
                after_id = data["id"]
                if data["chain"] is None:
                    if rows:  # a hole in the chain: a row written around the application
                        return ChainReport(rows, unchained, before, data["id"])
                    unchained += 1
                    continue
                if _link(cipher, before, data) != data["chain"]:
                    return ChainReport(rows, unchained, before, data["id"])
                before, rows = data["chain"], rows + 1
    return ChainReport(rows, unchained, before, None)
