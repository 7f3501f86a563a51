"""End to end over HTTP, as Teams would call the bot, with a local fake Bot Framework connector."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from adapters.in_memory import FakeClock
from adapters.panel_config import PanelConfigError, load_panel_config
from app import ROOT, ConfiguredPanels, create_app, main, verify_audit
from bot.panel_bot import HELP_TEXT, NOT_UNDERSTOOD_TEXT
from bot.settings import AUTH_OFF_BANNER, Settings, UnsafeSettingsError
from cards.verbs import Verb
from storage.crypto import FieldCipher
from storage.engine import create_engine
from tests.bot.teams import (
    ALEX,
    LONDON,
    FakeConnector,
    Teams,
    local_settings,
    personal,
    teams_bot,
)
from tests.bot.test_panel_day_over_http import config_for

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    async with teams_bot(tmp_path, datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)) as bot:
        yield bot


@pytest.fixture
async def client(teams: Teams) -> Client:
    return teams.client


@pytest.fixture
def connector(teams: Teams) -> FakeConnector:
    return teams.connector


def message(text: str, teams: Teams) -> dict[str, Any]:
    return teams.activity(ALEX, "message", text=text, activity_id="activity-1")


async def test_health_check_answers_ok(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_help_gets_the_list_of_commands_back(teams: Teams) -> None:
    response = await teams.client.post("/api/messages", json=message("help", teams))

    assert response.status in {200, 201}
    assert teams.connector.texts == [HELP_TEXT]
    reply = teams.connector.sent[0]
    assert reply.activity["type"] == "message"
    assert reply.conversation_id == personal(ALEX)
    assert reply.activity["replyToId"] == "activity-1"


def test_help_names_every_command_in_the_teams_manifest() -> None:
    manifest = json.loads((ROOT / "manifest" / "manifest.json").read_text(encoding="utf-8"))
    commands = {
        c["title"] for scope in manifest["bots"][0]["commandLists"] for c in scope["commands"]
    }

    assert commands
    for command in commands:
        assert command in HELP_TEXT


async def test_help_after_an_at_mention_in_a_channel_still_gets_help(
    client: Client, connector: FakeConnector, teams: Teams
) -> None:
    await client.post("/api/messages", json=message("<at>Panel Bot</at>  Help ", teams))

    assert connector.texts == [HELP_TEXT]  # in this test's conversation, a 1:1 chat


async def test_anything_else_gets_a_pointer_to_help(
    client: Client, connector: FakeConnector, teams: Teams
) -> None:
    await client.post("/api/messages", json=message("what is on tuesday?", teams))

    assert connector.texts == [NOT_UNDERSTOOD_TEXT]


async def test_malformed_json_is_refused_with_400(client: Client) -> None:
    response = await client.post(
        "/api/messages", data=b'{"type": "message",', headers={"Content-Type": "application/json"}
    )

    assert response.status == 400


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"text": "help"},
        {"type": 5},
        {"type": "message", "timestamp": "not a time"},
        {"type": "message", "from": "not an account"},
    ],
)
async def test_json_that_is_not_an_activity_is_refused_with_400(
    client: Client, body: object
) -> None:
    response = await client.post("/api/messages", json=body)

    assert response.status == 400


async def test_a_body_that_is_not_json_is_refused_with_415(client: Client) -> None:
    response = await client.post(
        "/api/messages", data=b"help", headers={"Content-Type": "text/plain"}
    )

    assert response.status == 415


async def test_an_oversized_body_is_refused_with_413(client: Client, teams: Teams) -> None:
    body = message("help", teams)
    body["text"] = "x" * (600 * 1024)

    response = await client.post("/api/messages", json=body)

    assert response.status == 413


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": "00000000-0000-0000-0000-000000000001",
        "app_password": "secret",
        "tenant_id": "00000000-0000-0000-0000-000000000002",
    }
    return local_settings(**(values | overrides))


@pytest.mark.parametrize("authorization", [None, "Basic abc", "Bearer not-a-jwt", "Bearer a.b.c"])
async def test_with_an_app_id_a_missing_or_bad_bearer_token_gets_401(
    tmp_path: Path, authorization: str | None
) -> None:
    app = create_app(
        production(database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}"),
        upgrade_db=True,
        background=False,
    )
    headers = {"Authorization": authorization} if authorization else {}
    async with TestClient(TestServer(app)) as client:
        body = Teams(client, app, FakeClock(datetime.now(LONDON)), FakeConnector()).activity(
            ALEX, "message", text="help"
        )
        response = await client.post("/api/messages", json=body, headers=headers)

    assert response.status == 401


async def test_starting_without_authentication_logs_a_loud_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app"):
        async with teams_bot(tmp_path, datetime(2026, 12, 1, tzinfo=LONDON)):
            pass

    assert AUTH_OFF_BANNER in caplog.text


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::", "bot.example.org"])
def test_app_refuses_an_empty_app_id_on_a_non_loopback_host(host: str) -> None:
    with pytest.raises(UnsafeSettingsError, match="authentication off"):
        create_app(local_settings(host=host))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_app_allows_an_empty_app_id_on_a_loopback_host(host: str) -> None:
    create_app(local_settings(host=host))


def test_app_with_credentials_may_listen_on_any_host() -> None:
    create_app(production(host="0.0.0.0"))


def test_a_certificate_may_stand_in_for_the_client_secret() -> None:
    create_app(
        production(
            app_password="",
            certificate_thumbprint="AB" * 20,
            certificate_key_file="/run/secrets/bot.pem",
        )
    )


def test_an_app_id_without_secret_or_certificate_is_refused() -> None:
    with pytest.raises(UnsafeSettingsError, match="CERTIFICATE"):
        create_app(production(app_password=""))


def test_a_broken_panel_configuration_stops_the_app_with_its_path(tmp_path: Path) -> None:
    broken = tmp_path / "panels.yaml"
    broken.write_text("panels: []\n", encoding="utf-8")

    with pytest.raises(PanelConfigError, match=r"panels\.yaml"):
        create_app(local_settings(panel_config=str(broken)))


def test_production_settings_without_encryption_keys_are_refused() -> None:
    settings = local_settings(
        app_id="00000000-0000-0000-0000-000000000001",
        app_password="secret",
        tenant_id="00000000-0000-0000-0000-000000000002",
        encryption_keys="",
    )

    with pytest.raises(UnsafeSettingsError, match="ENCRYPTION_KEYS"):
        create_app(settings)


def test_single_tenant_app_without_a_tenant_id_is_refused() -> None:
    settings = local_settings(app_id="00000000-0000-0000-0000-000000000001", app_password="s")

    with pytest.raises(UnsafeSettingsError, match="MICROSOFT_APP_TENANT_ID"):
        create_app(settings)


def test_main_refuses_to_start_unauthenticated_on_a_public_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.argv", ["app.py"])
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")

    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("keys", "lookup", "said"),
    [
        ("not-a-fernet-key", "k" * 40, "not a valid Fernet key"),
        ("", "", ""),  # development keys: starts (checked below by not exiting with 2)
        ("VALID", "too-short", "at least 32 characters"),
    ],
)
def test_main_says_plainly_which_keys_it_cannot_use_and_stops(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    keys: str,
    lookup: str,
    said: str,
) -> None:
    monkeypatch.setattr("sys.argv", ["app.py"])
    monkeypatch.setattr("app.web.run_app", lambda *a, **k: None)  # would serve forever
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    monkeypatch.setenv("ENCRYPTION_KEYS", FieldCipher.new_key() if keys == "VALID" else keys)
    monkeypatch.setenv("LOOKUP_KEY", lookup)

    if not said:
        main()
        return
    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == 2
    assert said in caplog.text
    assert "ENCRYPTION_KEYS or LOOKUP_KEY" in caplog.text
    assert "Traceback" not in caplog.text


def test_settings_read_the_bot_framework_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "app-1")
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "pw")
    monkeypatch.setenv("MICROSOFT_APP_TYPE", "MultiTenant")
    monkeypatch.setenv("MICROSOFT_APP_TENANT_ID", "tenant-1")
    monkeypatch.setenv("HOST", "::1")
    monkeypatch.setenv("PORT", "4000")

    settings = Settings()

    assert settings.app_id == "app-1"
    assert settings.app_password.get_secret_value() == "pw"
    assert settings.app_type == "MultiTenant"
    assert settings.tenant_id == "tenant-1"
    assert (settings.host, settings.port) == ("::1", 4000)


async def test_verify_audit_says_intact_then_altered(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'panel.sqlite3'}"
    async with teams_bot(tmp_path, datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)) as teams:
        await teams.press(ALEX, Verb.CASE_EDIT_FORM, {"panel": "demo", "case": "not-a-case"})
    settings = local_settings(database_url=url)

    assert await verify_audit(settings) == 0
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TRIGGER audit_log_no_update"))
        await conn.execute(text("UPDATE audit_log SET actor = 'someone-else'"))
    await engine.dispose()
    assert await verify_audit(settings) == 1


def test_an_outcome_followed_up_by_an_agency_the_panel_lacks_is_warned_about_at_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Leicester's step-down is carried by «Early Help Services»; the demo has no such agency."""
    path = tmp_path / "panels.yaml"
    path.write_text(yaml.safe_dump(config_for("leicester")), encoding="utf-8")
    caplog.set_level(logging.WARNING)

    ConfiguredPanels(load_panel_config(path))

    assert "the outcome 'step-down' is followed up by the agency 'Early Help Services'" in (
        caplog.text
    )
    caplog.clear()
    ConfiguredPanels(load_panel_config(Path("config/demo.yaml")))  # Barnet's Early Help is there
    assert "followed up by" not in caplog.text
