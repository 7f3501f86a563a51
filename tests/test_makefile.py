"""The README's Makefile targets as a newcomer types them (`make -n` prints what would run)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned(*args: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is needed: the README's commands are Makefile targets.")
    done = subprocess.run(  # noqa: S603 - our own Makefile, fixed arguments
        [make, "-n", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_make_playground_starts_it_as_alex_wilber_by_default() -> None:
    # GNU make's built-in AS (the assembler) once won over the default: "No 'as' in ...".
    assert '--as "Alex Wilber" --ui-port 56150' in planned("playground")


def test_make_playground_as_someone_else_on_another_port() -> None:
    assert '--as "Megan Bowen" --ui-port 56151' in planned(
        "playground", "AS=Megan Bowen", "UI=56151"
    )
