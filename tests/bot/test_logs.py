"""Logs carry ids and error types, never what people typed or the values a query bound
(docs/safeguards.md §1): an unexpected error is logged by type and place only."""

from __future__ import annotations

import logging

import pytest

from panel.errors import summary
from tests.bot.teams import ALEX, Teams
from tests.panel.world import CANARY_CHILD


async def test_an_unexpected_error_in_a_turn_is_logged_by_type_and_place_only(
    teams: Teams, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(typed: str | None) -> str:
        raise ValueError(f"could not understand {typed!r}")

    monkeypatch.setattr("bot.panel_bot.command_of", broken)
    caplog.set_level(logging.INFO)

    response = await teams.say(ALEX, f"list {CANARY_CHILD}")

    assert response.status in (200, 201)
    assert "Unhandled error in a message turn: ValueError at test_logs.py" in caplog.text
    assert CANARY_CHILD not in caplog.text
    assert "Traceback" not in caplog.text


def test_an_error_summary_names_the_type_and_the_place_not_the_message() -> None:
    try:
        raise RuntimeError(CANARY_CHILD)
    except RuntimeError as error:
        said = summary(error)

    assert said.startswith("RuntimeError at test_logs.py:")
    assert CANARY_CHILD not in said
