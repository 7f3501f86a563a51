"""End to end over HTTP, as Teams would call the bot, with a local fake Bot Framework connector."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app import create_app, main
from bot.help_bot import HELP_TEXT, NOT_UNDERSTOOD_TEXT
from bot.settings import AUTH_OFF_BANNER, Settings, UnsafeSettingsError
from storage.crypto import FieldCipher

Client = TestClient[web.Request, web.Application]


class FakeConnector:
    """Stands in for the Bot Framework connector: records every activity the bot sends."""

    def __init__(self) -> None:
        self.url = ""
        self.sent: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        self.app.router.add_post(
            "/v3/conversations/{conversation_id}/activities/{activity_id}", self._send
        )

    async def _send(self, request: web.Request) -> web.Response:
        self.sent.append(await request.json())
        return web.json_response({"id": f"sent-{len(self.sent)}"})

    @property
    def texts(self) -> list[str]:
        return [activity["text"] for activity in self.sent]


TEST_KEY = FieldCipher.new_key()


def local_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_id": "",
        "app_password": "",
        "app_type": "SingleTenant",
        "tenant_id": "",
        "host": "127.0.0.1",
        "port": 3978,
        # The app only opens an engine unless asked to upgrade: an in-memory database will do.
        "database_url": "sqlite+aiosqlite:///:memory:",
        "encryption_keys": TEST_KEY,
        "lookup_key": "a-look-up-key-for-tests-only-0123456789",
    }
    values.update(overrides)
    return Settings(**values)


def message(text: str, service_url: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "activity-1",
        "timestamp": "2025-01-08T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:user-1", "name": "A Member", "aadObjectId": "aad-user-1"},
        "conversation": {
            "id": "a:conversation-1",
            "conversationType": "personal",
            "tenantId": "tenant-1",
        },
        "recipient": {"id": "28:bot-1", "name": "Panel Bot"},
        "text": text,
    }


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    server = TestServer(fake.app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/"))
    yield fake
    await server.close()


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with TestClient(TestServer(create_app(local_settings()))) as test_client:
        yield test_client


async def test_health_check_answers_ok(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_help_gets_the_list_of_commands_back(
    client: Client, connector: FakeConnector
) -> None:
    response = await client.post("/api/messages", json=message("help", connector.url))

    assert response.status in {200, 201}
    assert connector.texts == [HELP_TEXT]
    for command in ("help", "my tasks", "new case", "agenda"):
        assert command in HELP_TEXT
    reply = connector.sent[0]
    assert reply["type"] == "message"
    assert reply["conversation"]["id"] == "a:conversation-1"
    assert reply["replyToId"] == "activity-1"


async def test_help_after_an_at_mention_in_a_channel_still_gets_help(
    client: Client, connector: FakeConnector
) -> None:
    await client.post("/api/messages", json=message("<at>Panel Bot</at>  Help ", connector.url))

    assert connector.texts == [HELP_TEXT]


async def test_anything_else_gets_a_pointer_to_help(
    client: Client, connector: FakeConnector
) -> None:
    await client.post("/api/messages", json=message("what is on tuesday?", connector.url))

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


async def test_starting_without_authentication_logs_a_loud_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="app"):
        async with TestClient(TestServer(create_app(local_settings()))):
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
    settings = local_settings(
        host="0.0.0.0",
        app_id="00000000-0000-0000-0000-000000000001",
        app_password="secret",
        tenant_id="00000000-0000-0000-0000-000000000002",
    )

    create_app(settings)


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
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")

    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == 2


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
