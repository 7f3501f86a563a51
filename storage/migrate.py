"""Explicit schema upgrades: `python -m storage.migrate upgrade` (never silently on start)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.settings import database_url

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    # env.py runs its own event loop, so from async code run it in a worker thread.
    await asyncio.to_thread(upgrade, url, revision)


async def downgrade_async(url: str, revision: str = "base") -> None:
    await asyncio.to_thread(downgrade, url, revision)


def main() -> None:
    parser = argparse.ArgumentParser(description="Upgrade or downgrade the panel database.")
    parser.add_argument("action", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?")
    args = parser.parse_args()
    url = database_url()
    if args.action == "upgrade":
        upgrade(url, args.revision or "head")
    else:
        downgrade(url, args.revision or "base")


if __name__ == "__main__":
    main()
