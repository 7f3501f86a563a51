"""panel/ imports the standard library only (README.md, "Layout").

import-linter forbids the third-party packages we know about; this test catches any other.
benchmarks/ sit outside import-linter's packages, so this test also keeps them off tests/: what
a benchmark runs on (the in-memory adapters) is production code, not a test helper.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PANEL = ROOT / "panel"
BENCHMARKS = ROOT / "benchmarks"


def imported_top_level_modules(source: str) -> set[str]:
    """Top-level names of every absolute import in `source`; relative imports stay in-package."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def non_standard_imports(source: str) -> set[str]:
    return {
        name
        for name in imported_top_level_modules(source)
        if name != "panel" and name not in sys.stdlib_module_names
    }


def test_panel_imports_only_the_standard_library() -> None:
    sources = sorted(PANEL.rglob("*.py"))
    assert sources, f"no Python files found under {PANEL}"

    offenders = {
        str(path.relative_to(PANEL.parent)): sorted(found)
        for path in sources
        if (found := non_standard_imports(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_the_purity_check_flags_third_party_and_sibling_imports() -> None:
    source = """
import sqlalchemy.orm
from aiohttp import web
import adapters.clock, datetime
from bot.settings import Settings
if TYPE_CHECKING:
    import yaml
def late():
    from holidays import country_holidays
"""

    assert non_standard_imports(source) == {
        "sqlalchemy",
        "aiohttp",
        "adapters",
        "bot",
        "yaml",
        "holidays",
    }


def test_the_purity_check_allows_the_standard_library_and_panel_itself() -> None:
    source = """
from __future__ import annotations
import datetime, zoneinfo
from collections.abc import Iterable
from typing import Protocol
import panel.calendar
from panel import policy
from . import votes
from .agenda import Agenda
"""

    assert non_standard_imports(source) == set()


def test_the_benchmarks_never_import_the_tests() -> None:
    sources = sorted(BENCHMARKS.rglob("*.py"))
    assert sources, f"no Python files found under {BENCHMARKS}"

    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if "tests" in imported_top_level_modules(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []


def test_the_import_check_sees_every_way_of_importing_the_tests() -> None:
    for source in (
        "import tests.panel.world",
        "from tests.panel.world import london",
        "from tests import fake_graph",
        "def late():\n    from tests.bot.teams import Teams",
    ):
        assert "tests" in imported_top_level_modules(source), source
