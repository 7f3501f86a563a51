"""Retention, legal hold and subject-access export (docs/safeguards.md §7).

A closed case is anonymised once its panel's retention period has passed, unless it is on
legal hold: every identifier and every piece of free text linked to it is removed, while the
facts a manager's quarterly figures need (dates, outcome, lead agency, tallies) stay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from panel.calendar import Unit, add_months
from panel.errors import NotFound
from panel.policy import Policy
from storage import schema
from storage.mapping import aware, to_utc
from storage.outbox import GAVE_UP, ProcessedActivities
from storage.unit_of_work import Store

ANONYMISED = "[anonymised]"


# A message's content (which may name a child) is kept this long after it was sent or given
# up, for support questions; then only its key, recipient, kind and outcome remain.
OUTBOX_CONTENT_KEPT = timedelta(days=30)
PROCESSED_ACTIVITIES_KEPT = timedelta(days=2)
STALE = "gave up: not sent within 30 days"


@dataclass(frozen=True)
class RetentionReport:
    anonymised: tuple[str, ...]
    held: tuple[str, ...]  # due, but on legal hold
    messages_erased: int = 0
    activities_forgotten: int = 0


def retention_ends(closed_on: date, policy: Policy) -> date:
    period = policy.retention
    if period.unit is Unit.MONTHS:
        return add_months(closed_on, period.amount)
    days = period.amount * (7 if period.unit is Unit.WEEKS else 1)
    return date.fromordinal(closed_on.toordinal() + days)


async def set_legal_hold(store: Store, case_id: str, *, on: bool) -> None:
    async with store.engine.begin() as conn:
        result = await conn.execute(
            update(schema.cases).where(schema.cases.c.id == case_id).values(legal_hold=on)
        )
        if result.rowcount != 1:
            raise NotFound("That case does not exist.")


async def sweep_retention(
    store: Store, policies: Mapping[str, Policy], now: datetime
) -> RetentionReport:
    """Anonymise every closed case past its panel's retention period. Safe to run twice."""
    t = schema.cases
    anonymised: list[str] = []
    held: list[str] = []
    async with store.engine.begin() as conn:
        query = select(t.c.id, t.c.panel_id, t.c.closed_at, t.c.legal_hold).where(
            t.c.closed_at.is_not(None), t.c.anonymised_at.is_(None)
        )
        if store.locking:
            query = query.with_for_update(skip_locked=True)
        for row in (await conn.execute(query)).all():
            policy = policies.get(row.panel_id)
            if policy is None:
                continue  # a panel no longer configured: keep until someone decides
            if retention_ends(aware(row.closed_at).date(), policy) > now.date():
                continue
            if row.legal_hold:
                held.append(row.id)
                continue
            await _anonymise(conn, store, row.id, now)
            anonymised.append(row.id)
        erased = await _erase_old_messages(conn, store, now)
    # Teams re-delivers an activity within minutes; two days on, its id guards nothing.
    forgotten = await ProcessedActivities(store).forget_before(now - PROCESSED_ACTIVITIES_KEPT)
    return RetentionReport(tuple(anonymised), tuple(held), erased, forgotten)


async def _erase_old_messages(conn: AsyncConnection, store: Store, now: datetime) -> int:
    """Erase the content of outbox messages finished over 30 days ago. One still unsent after
    30 days is given up (a working worker sends or gives up within hours) and erased too.
    The rows stay, keys and all, so nothing is ever sent twice."""
    t = schema.outbox
    cutoff = to_utc(now - OUTBOX_CONTENT_KEPT)
    await conn.execute(
        update(t)
        .where(
            t.c.sent_at.is_(None),
            t.c.cancelled_at.is_(None),
            or_(t.c.leased_by.is_(None), t.c.leased_by != GAVE_UP),
            or_(t.c.lease_until.is_(None), t.c.lease_until < cutoff),
            t.c.next_attempt_at < cutoff,
        )
        .values(leased_by=GAVE_UP, lease_until=None, last_error=STALE)
    )
    finished = or_(
        and_(t.c.sent_at.is_not(None), t.c.sent_at < cutoff),
        and_(t.c.leased_by == GAVE_UP, t.c.next_attempt_at < cutoff),
    )
    result = await conn.execute(
        update(t)
        .where(t.c.content_erased_at.is_(None), finished)
        .values(payload_enc=store.cipher.encrypt("{}"), content_erased_at=to_utc(now))
    )
    return int(result.rowcount)


async def _anonymise(conn: AsyncConnection, store: Store, case_id: str, now: datetime) -> None:
    blank = store.cipher.encrypt("")
    await conn.execute(delete(schema.case_people).where(schema.case_people.c.case_id == case_id))
    await conn.execute(
        update(schema.cases)
        .where(schema.cases.c.id == case_id)
        .values(
            reference_enc=store.cipher.encrypt(ANONYMISED),
            reference_hash=f"anonymised:{case_id}",
            presenting_needs_enc=blank,
            consent_given_by_enc=None,
            referrer_enc=None,
            escalation_enc=None,
            lead_enc=None,
            anonymised_at=to_utc(now),
        )
    )
    cleared: list[tuple[Any, str]] = [
        (schema.case_transitions, "reason_enc"),
        (schema.actions, "text_enc"),
        (schema.milestones, "not_possible_enc"),
        (schema.milestones, "extended_enc"),
        (schema.info_checks, "information_enc"),
    ]
    for table, column in cleared:
        await conn.execute(update(table).where(table.c.case_id == case_id).values({column: blank}))
    await conn.execute(
        update(schema.decisions)
        .where(schema.decisions.c.case_id == case_id)
        .values(rationale_enc=blank, dissent_enc=blank, checklist_enc=None)
    )


# -- Subject access ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return aware(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


async def _rows(
    conn: AsyncConnection, store: Store, table: Any, *where: Any
) -> list[dict[str, Any]]:
    out = []
    for row in (await conn.execute(select(table).where(*where))).all():
        record = {}
        for key, value in row._mapping.items():
            if key.endswith("_enc") and value is not None:
                record[key.removesuffix("_enc")] = store.cipher.decrypt(value)
            elif key == "reference_hash":
                continue
            else:
                record[key] = _plain(value)
        out.append(record)
    return out


async def export_person(store: Store, person_id: str) -> str:
    """Everything held about a panel member or practitioner, as JSON, audit entries included."""
    async with store.engine.connect() as conn:
        document = {
            "person_id": person_id,
            "roster": await _rows(
                conn, store, schema.people, schema.people.c.person_id == person_id
            ),
            "attendance": await _rows(
                conn, store, schema.attendance, schema.attendance.c.person_id == person_id
            ),
            "information_checks": await _rows(
                conn, store, schema.info_checks, schema.info_checks.c.answered_by == person_id
            ),
            "circulations_received": await _rows(
                conn, store, schema.circulations, schema.circulations.c.person_id == person_id
            ),
            "cases_referred": [
                r["id"]
                for r in await _rows(
                    conn, store, schema.cases, schema.cases.c.referred_by == person_id
                )
            ],
            "conversation_references": await _rows(
                conn,
                store,
                schema.conversation_references,
                schema.conversation_references.c.person_id == person_id,
            ),
            "audit": await _rows(
                conn, store, schema.audit_log, schema.audit_log.c.actor == person_id
            ),
        }
    return json.dumps(document, indent=2, sort_keys=True)


async def export_family_member(store: Store, name: str, date_of_birth: date | None) -> str:
    """Every case naming this child or family member, with what the panel recorded about it and
    who accessed it (the audit entries). Names are encrypted, so each case is decrypted and
    compared: acceptable for a request that comes a few times a year."""
    wanted = name.strip().casefold()
    dob = date_of_birth.isoformat() if date_of_birth else None
    cases: list[dict[str, Any]] = []
    async with store.engine.connect() as conn:
        people = await _rows(conn, store, schema.case_people)
        matches = sorted(
            {
                p["case_id"]
                for p in people
                if p["name"].strip().casefold() == wanted
                and (dob is None or p["date_of_birth"] == dob)
            }
        )
        for case_id in matches:
            record: dict[str, Any] = {}
            for label, table in (
                ("case", schema.cases),
                ("people", schema.case_people),
                ("history", schema.case_transitions),
                ("decision", schema.decisions),
                ("actions", schema.actions),
                ("milestones", schema.milestones),
                ("information_checks", schema.info_checks),
            ):
                column = table.c.id if table is schema.cases else table.c.case_id
                record[label] = await _rows(conn, store, table, column == case_id)
            record["audit"] = await _rows(
                conn, store, schema.audit_log, schema.audit_log.c.case_id == case_id
            )
            cases.append(record)
    return json.dumps(
        {"name": name, "date_of_birth": dob, "cases": cases}, indent=2, sort_keys=True
    )
