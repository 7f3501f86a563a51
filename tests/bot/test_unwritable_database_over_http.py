"""A bot that cannot write says so (docs/safeguards.md §9, §12): a card action gets a plain "nothing
was saved", never a 501 or a success message, and /healthz answers 503 until it can write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from app import STORE
from cards.verbs import Verb
from tests.bot.teams import ALEX, Teams, texts_of
from tests.bot.test_week_over_http import FORM


async def read_only(teams: Teams) -> None:
    """The database can be read but not written: a read-only SQLite file (as root, file modes
    would not stop us), or a read-only PostgreSQL (a replica, a full disk's emergency mode)."""
    engine = teams.app[STORE].engine
    statement = (
        "PRAGMA query_only = ON"
        if engine.dialect.name == "sqlite"
        else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
    )

    @event.listens_for(engine.sync_engine, "connect")
    def query_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()

    await engine.dispose()  # every connection from now on is read-only


async def listing_a_family_is_not_said_to_be_saved(teams: Teams) -> None:
    status, body = await teams.invoke(ALEX, Verb.CASE_REFER, {"panel": "demo", **FORM})
    health = await teams.client.get("/healthz")

    assert status == 200
    assert "Nothing was" in texts_of(body["value"])
    assert "Recorded" not in texts_of(body["value"])
    assert health.status == 503
    assert (await health.json())["status"] == "unavailable"


async def test_with_a_read_only_database_nothing_is_said_to_be_saved(
    teams_on_each_database: Teams,
) -> None:
    teams = teams_on_each_database
    assert (await teams.client.get("/healthz")).status == 200
    await read_only(teams)

    await listing_a_family_is_not_said_to_be_saved(teams)


async def test_with_the_database_file_deleted_nothing_is_said_to_be_saved(
    teams: Teams, tmp_path: Path
) -> None:
    await teams.say(ALEX, "hello")
    for path in tmp_path.glob("panel.sqlite3*"):
        path.unlink()

    await listing_a_family_is_not_said_to_be_saved(teams)
