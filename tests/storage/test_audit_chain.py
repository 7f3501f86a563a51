"""The audit log is tamper-evident on SQLite and PostgreSQL (docs/safeguards.md §6): the database
refuses every way of rewriting it that a statement can take, the hash chain shows a row changed
behind the triggers' back, and every reference the edge accepts fits its case column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.in_memory import FakeClock
from bot.actions import REFERENCE
from panel.ports import REFERENCE_LENGTH
from panel.usecases import intake
from storage import audit as audit_chain
from storage import schema
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.unit_of_work import Store
from tests.panel.world import london, member_id
from tests.storage.conftest import KEY
from tests.storage.test_record import PANEL, canary_case, deps

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"


async def some_history(store: Store) -> str:
    d = deps(store, FakeClock(london(2027, 1, 4, 10, 0)))
    case_id = await canary_case(d)
    await intake.view_case(d, panel_id=PANEL.id, actor=member_id("Police"), case_id=case_id)
    return case_id


async def test_a_replacing_insert_and_truncate_are_refused(store: Store) -> None:
    await some_history(store)
    replace = (
        "INSERT OR REPLACE INTO audit_log (id, at, actor, tenant, panel_id, action, allowed, "
        "reason) VALUES (1, '2027-01-04 10:00:00', 'x', 'x', 'x', 'x', 1, '')"
        if not store.locking
        else "INSERT INTO audit_log (id, at, actor, tenant, panel_id, action, allowed, reason) "
        "VALUES (1, now(), 'x', 'x', 'x', 'x', true, '') "
        "ON CONFLICT (id) DO UPDATE SET actor = 'x'"
    )
    statements = [replace, "UPDATE audit_log SET allowed = false", "DELETE FROM audit_log"]
    if store.locking:
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        async with store.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
            await conn.rollback()
    assert (await audit_chain.verify(store.engine, store.cipher)).rows == 3


async def test_the_chain_is_intact_after_use_and_names_its_head(store: Store) -> None:
    await some_history(store)

    report = await audit_chain.verify(store.engine, store.cipher)

    assert report.intact
    assert report.rows == 3
    assert len(report.head) == 64
    assert "intact: 3 chained rows" in report.line()


async def behind_the_triggers_back(store: Store, statement: str, trigger: str) -> None:
    """What someone who owns the database (or the SQLite file) can do: switch the triggers
    off, change the log, switch them on again."""
    async with store.engine.begin() as conn:
        if store.locking:
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            await conn.execute(text(statement))
            await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            await conn.execute(text(f"DROP TRIGGER {trigger}"))
            await conn.execute(text(statement))


async def test_a_row_changed_behind_the_triggers_back_breaks_the_chain_there(
    store: Store,
) -> None:
    await some_history(store)
    await behind_the_triggers_back(
        store, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3", "audit_log_no_update"
    )

    report = await audit_chain.verify(store.engine, store.cipher)

    assert report.broken_at == 3
    assert "breaks at row 3" in report.line()


async def test_a_row_removed_from_the_middle_breaks_the_chain(store: Store) -> None:
    await some_history(store)
    await behind_the_triggers_back(
        store, "DELETE FROM audit_log WHERE id = 2", "audit_log_no_delete"
    )

    assert (await audit_chain.verify(store.engine, store.cipher)).broken_at == 3


async def test_without_the_key_a_forged_chain_does_not_verify(store: Store) -> None:
    await some_history(store)
    other = FieldCipher([KEY], "another-look-up-key-of-32-characters-or-more")

    assert (await audit_chain.verify(store.engine, other)).broken_at == 1


async def test_a_refusal_about_the_longest_reference_a_card_may_carry_is_audited(
    store: Store,
) -> None:
    d = deps(store, FakeClock(london(2027, 1, 4, 10, 0)))
    longest = "c" * REFERENCE_LENGTH
    assert REFERENCE.fullmatch(longest)
    assert not REFERENCE.fullmatch(longest + "c")

    with pytest.raises(Exception, match="does not exist"):
        await intake.view_case(d, panel_id=PANEL.id, actor=member_id("Police"), case_id=longest)

    async with store.engine.connect() as conn:
        rows = (await conn.execute(schema.audit_log.select())).all()
        if store.locking:
            width = await conn.scalar(
                text(
                    "SELECT character_maximum_length FROM information_schema.columns "
                    "WHERE table_name = 'audit_log' AND column_name = 'case_id'"
                )
            )
            assert width == REFERENCE_LENGTH
    assert [(r.case_id, r.allowed, r.reason) for r in rows] == [(longest, False, "NotFound")]
    assert schema.audit_log.c.case_id.type.length == REFERENCE_LENGTH  # type: ignore[attr-defined]


# The database role is PostgreSQL's (docs/security.md): no SQLite variant to skip.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_documented_database_role_runs_the_panel_and_cannot_touch_the_audit_log(
    store: Store, database_url: str
) -> None:
    url = make_url(database_url)
    role = "panel_bot_" + (url.database or "")[-12:]
    sql = DOCS.read_text(encoding="utf-8").split("```sql", 1)[1].split("```", 1)[0]
    sql = sql.replace("panel_bot", role).replace("DATABASE panel", f'DATABASE "{url.database}"')
    async with store.engine.begin() as conn:
        for statement in (s for s in sql.split(";") if s.strip()):
            lines = [line.split("--")[0] for line in statement.splitlines()]
            await conn.execute(text("\n".join(lines)))
    as_bot = create_engine(url.set(username=role).render_as_string(hide_password=False))
    try:
        await some_history(Store(as_bot, store.cipher))  # the panel works under the role
        for statement in (
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "TRUNCATE audit_log",
            "UPDATE audit_log SET allowed = false",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ):
            async with as_bot.connect() as conn:
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                    await conn.execute(text(statement))
                await conn.rollback()
        assert (await audit_chain.verify(as_bot, store.cipher)).intact
    finally:
        await as_bot.dispose()
        async with store.engine.begin() as conn:
            await conn.execute(text(f'DROP OWNED BY "{role}"'))
            await conn.execute(text(f'DROP ROLE "{role}"'))
