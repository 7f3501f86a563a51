from __future__ import annotations

import asyncio
import dataclasses

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from panel.roster import Role
from storage import schema
from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.migrate import downgrade_async, upgrade_async
from storage.roster import save_roster
from storage.schema import metadata
from storage.unit_of_work import Store
from tests.storage.test_record import PANEL


async def roles_of(store: Store, panel_id: str, person_id: str) -> frozenset[str]:
    """The roles the database holds for a person: what save_roster wrote, read back."""
    t = schema.people
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(
                select(t.c.roles).where(t.c.panel_id == panel_id, t.c.person_id == person_id)
            )
        ).first()
    return frozenset(row.roles) if row else frozenset()


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_migrations_upgrade_to_head_and_downgrade_to_base_cleanly(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_async(database_url)
        assert set(metadata.tables) <= await table_names(engine)
        await downgrade_async(database_url)
        assert await table_names(engine) <= {"alembic_version"}
        await upgrade_async(database_url)  # and back up again: nothing was left behind
        assert set(metadata.tables) <= await table_names(engine)
    finally:
        await engine.dispose()


async def test_the_roster_in_the_database_follows_the_configuration(store: Store) -> None:
    await save_roster(store, [PANEL])
    assert await roles_of(store, PANEL.id, "chair-1") == {Role.CHAIR.value}
    without_chair = dataclasses.replace(
        PANEL, members=tuple(m for m in PANEL.members if m.person_id != "chair-1")
    )
    await save_roster(store, [without_chair])
    assert await roles_of(store, PANEL.id, "chair-1") == frozenset()


async def test_instances_starting_together_both_save_the_roster(
    store: Store, database_url: str, cipher: FieldCipher
) -> None:
    """Each instance replaces the roster at start; two at once must not fail either."""
    other = Store(create_engine(database_url), cipher)
    try:
        for _ in range(5):
            await asyncio.gather(save_roster(store, [PANEL]), save_roster(other, [PANEL]))
    finally:
        await other.engine.dispose()

    assert await roles_of(store, PANEL.id, "chair-1") == {Role.CHAIR.value}
