from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.bot.teams import LONDON, Teams, teams_bot
from tests.storage.conftest import database_url

__all__ = ["database_url"]  # the SQLite and PostgreSQL backends of the storage tests

# Tuesday 1 December 2026, after that day's panel: the next is Tuesday 8 December, with the
# Barnet cut-off on Wednesday 2 December at 12:00.
START = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    async with teams_bot(tmp_path, START) as bot:
        yield bot


@pytest.fixture
async def teams_on_each_database(tmp_path: Path, database_url: str) -> AsyncIterator[Teams]:
    async with teams_bot(tmp_path, START, database_url) as bot:
        yield bot
