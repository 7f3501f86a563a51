"""Storage tests run on SQLite and on PostgreSQL.

PostgreSQL is used when TEST_POSTGRES_URL is set (`.ci/run` sets it); then an unreachable
server fails the tests rather than skipping them. Each test gets a database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.engine import make_url

from storage.crypto import FieldCipher
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.unit_of_work import Store

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES else [])]
KEY = FieldCipher.new_key()
LOOKUP = "a-look-up-key-for-tests-only-0123456789"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'panel.sqlite3'}"
        return
    if not POSTGRES:
        pytest.skip("TEST_POSTGRES_URL is not set (.ci/run sets it)")
    name = f"panel_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(POSTGRES))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(_dsn(POSTGRES))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher([KEY], LOOKUP)


@pytest.fixture
async def store(database_url: str, cipher: FieldCipher) -> AsyncIterator[Store]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    try:
        yield Store(engine, cipher)
    finally:
        await engine.dispose()
