"""Composition root: reads the settings, builds the aiohttp app and wires the bot into it.

Nothing happens at import time; `python app.py` (or `make run`) starts the server.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from bot.help_bot import HelpBot
from bot.settings import AUTH_OFF_BANNER, Settings, UnsafeSettingsError, check_safe
from storage.crypto import FieldCipher, development_cipher
from storage.engine import create_engine
from storage.migrate import upgrade_async
from storage.settings import DATA_DIR, default_sqlite_url
from storage.unit_of_work import Store

log = logging.getLogger("app")

SETTINGS = web.AppKey("settings", Settings)
BOT = web.AppKey("bot", HelpBot)
ADAPTER = web.AppKey("adapter", CloudAdapter)
STORE = web.AppKey("store", Store)
UPGRADE_DB = web.AppKey("upgrade_db", bool)

GENERIC_APOLOGY = "Sorry, something went wrong on my side. Please try again later."


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The attribute names ConfigurationBotFrameworkAuthentication reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def bot_framework_config(settings: Settings) -> BotFrameworkConfig:
    if not settings.authentication_enabled:
        # The SDK only allows an empty app id (authentication off) for MultiTenant;
        # SingleTenant raises on construction.
        return BotFrameworkConfig(
            APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=""
        )
    return BotFrameworkConfig(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.tenant_id,
    )


async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # Activity text may hold child data, so only its type goes to the log.
    log.error(
        "Unhandled error in a %s turn: %s",
        turn_context.activity.type,
        type(error).__name__,
        exc_info=error,
    )
    try:
        await turn_context.send_activity(GENERIC_APOLOGY)
    except Exception:
        log.exception("Could not send the apology after an unhandled error")


async def bot_framework(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.authentication_enabled:
        bar = "!" * 72
        log.warning("\n%s\n!! %s\n%s", bar, AUTH_OFF_BANNER, bar)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(bot_framework_config(settings)))
    adapter.on_turn_error = on_turn_error
    app[ADAPTER] = adapter
    yield


def cipher_for(settings: Settings) -> FieldCipher:
    if settings.keys:
        return FieldCipher(settings.keys, settings.lookup_key.get_secret_value())
    # check_safe has refused production settings without keys; this is local development.
    path = DATA_DIR / "development-keys.json"
    log.warning("No ENCRYPTION_KEYS: using development keys from %s (never for real data)", path)
    return development_cipher(path)


async def storage(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    url = settings.database_url or default_sqlite_url()
    if app[UPGRADE_DB]:
        log.info("Upgrading the database schema, as asked (--upgrade-db)")
        await upgrade_async(url)
    engine = create_engine(url)
    app[STORE] = Store(engine, cipher_for(settings))
    yield
    await engine.dispose()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def messages(request: web.Request) -> web.StreamResponse:
    # botbuilder answers malformed input with a 500; the edge turns it into a clear 4xx first.
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="Send the activity as application/json.")
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text="The request body is not valid JSON.") from None
    if not is_activity(body):
        raise web.HTTPBadRequest(text="The request body is not a Bot Framework activity.")
    response: web.StreamResponse = await request.app[ADAPTER].process(request, request.app[BOT])
    return response


def is_activity(body: object) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return False
    try:
        Activity().deserialize(body)
    except ValueError:  # msrest's DeserializationError
        return False
    return True


def create_app(settings: Settings, *, upgrade_db: bool = False) -> web.Application:
    """The aiohttp application; raises UnsafeSettingsError for settings the safeguards forbid.

    The schema is upgraded only when `upgrade_db` is asked for (`--upgrade-db`), never silently.
    """
    check_safe(settings)
    app = web.Application()
    app[SETTINGS] = settings
    app[UPGRADE_DB] = upgrade_db
    app.cleanup_ctx.append(storage)
    app[BOT] = HelpBot()
    app.cleanup_ctx.append(bot_framework)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/messages", messages)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Early Help Panel Bot.")
    parser.add_argument(
        "--upgrade-db", action="store_true", help="apply database migrations before starting"
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    try:
        app = create_app(settings, upgrade_db=args.upgrade_db)
    except UnsafeSettingsError as error:
        log.critical("%s", error)
        raise SystemExit(2) from None
    web.run_app(app, host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
