"""Where the database is. The default is an SQLite file in the project's data folder."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def default_sqlite_url() -> str:
    DATA_DIR.mkdir(exist_ok=True)
    return f"sqlite+aiosqlite:///{DATA_DIR / 'panel.sqlite3'}"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or default_sqlite_url()
