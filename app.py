"""Composition root: reads the settings, builds the aiohttp app and wires the bot into it.

Nothing happens at import time; `python app.py` (or `make run`) starts the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import CertificateServiceClientCredentialsFactory

from adapters.clock import SystemClock
from adapters.panel_config import PanelConfig, PanelConfigError, load_panel_config
from bot.delivery import Deliverer, TeamsDirectory
from bot.desk import DeliveryDesk
from bot.edge import MAX_BODY, ServiceUrls, messages_handler
from bot.graph import GraphReceipts, MsalTokens
from bot.panel_bot import BotConfig, PanelBot
from bot.sdk_fixes import speed_up_retry_policy
from bot.settings import AUTH_OFF_BANNER, Settings, UnsafeSettingsError, check_safe
from bot.signing_keys import SigningKeys
from bot.undelivered import tell_business_support
from panel.errors import NotFound, summary
from panel.ports import Clock
from panel.relevance import still_due
from panel.roster import Panel
from panel.usecases.common import Deps
from panel.usecases.follow_up import drift_report, run_follow_up
from panel.usecases.panel_day import run_panel_day
from panel.usecases.week import run_week
from panel.words import plural
from scheduler.week import WeekScheduler
from storage import audit as audit_chain
from storage.crypto import CipherError, FieldCipher, development_cipher
from storage.engine import create_engine
from storage.locks import exclusively
from storage.migrate import upgrade_async
from storage.outbox import ConversationReferences, Outbox, ProcessedActivities
from storage.relevance import SqlFacts
from storage.retention import sweep_retention
from storage.roster import save_roster
from storage.settings import DATA_DIR, default_sqlite_url
from storage.unit_of_work import Store

log = logging.getLogger("app")

ROOT = Path(__file__).resolve().parent

SETTINGS = web.AppKey("settings", Settings)
PANELS = web.AppKey("panels", PanelConfig)
CLOCK = web.AppKey("clock", Clock)
BOT = web.AppKey("bot", PanelBot)
ADAPTER = web.AppKey("adapter", CloudAdapter)
STORE = web.AppKey("store", Store)
DELIVERER = web.AppKey("deliverer", Deliverer)
SCHEDULER = web.AppKey("scheduler", WeekScheduler)
DEPS = web.AppKey("deps", Deps)
UPGRADE_DB = web.AppKey("upgrade_db", bool)
BACKGROUND = web.AppKey("background", bool)  # the delivery worker and the scheduler
SIGNING_KEYS = web.AppKey("signing_keys", SigningKeys)
CIPHER = web.AppKey("cipher", FieldCipher)

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
    # Its type and where, never its message or traceback: they may hold what was typed.
    log.error("Unhandled error in a %s turn: %s", turn_context.activity.type, summary(error))
    try:
        await turn_context.send_activity(GENERIC_APOLOGY)
    except Exception as failure:
        log.error("Could not send the apology after an unhandled error: %s", summary(failure))


async def bot_framework(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.authentication_enabled:
        bar = "!" * 72
        log.warning("\n%s\n!! %s\n%s", bar, AUTH_OFF_BANNER, bar)
    credentials = None
    if settings.authentication_enabled and settings.uses_certificate:
        credentials = CertificateServiceClientCredentialsFactory(
            settings.certificate_thumbprint,
            await asyncio.to_thread(Path(settings.certificate_key_file).read_text, "utf-8"),
            settings.app_id,
            settings.tenant_id or None,
        )
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(
            bot_framework_config(settings), credentials_factory=credentials
        )
    )
    adapter.on_turn_error = on_turn_error
    app[ADAPTER] = adapter
    keys = app[SIGNING_KEYS]
    if settings.authentication_enabled:
        # The SDK's own lookup would fetch them synchronously, blocking the bot (signing_keys.py).
        keys.install()
        keys.prefetch()
    yield
    await keys.close()


def cipher_for(settings: Settings) -> FieldCipher:
    """The field cipher; raises UnsafeSettingsError, saying which setting is wrong, for keys
    it cannot use (never a traceback at start-up)."""
    if settings.keys:
        try:
            return FieldCipher(settings.keys, settings.lookup_key.get_secret_value())
        except CipherError as error:
            raise UnsafeSettingsError(
                f"Refusing to start: ENCRYPTION_KEYS or LOOKUP_KEY cannot be used: {error}"
            ) from None
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
    app[STORE] = Store(engine, app[CIPHER])
    yield
    await engine.dispose()


class ConfiguredPanels:
    """The PanelDirectory port over the loaded configuration."""

    def __init__(self, config: PanelConfig) -> None:
        self._panels = {p.id: p for p in config.panels}
        for panel in config.panels:
            for option in panel.policy.outcomes:
                if option.carried_by and option.carried_by not in panel.agencies:
                    # Said at start, not first at the panel table, where the outcome is refused.
                    log.warning(
                        "Panel %s: the outcome %r is followed up by the agency %r, which is not "
                        "one of the panel's agencies: add it, or override the outcome's "
                        "carried_by with your agency's name (docs/panel-config.md)",
                        panel.id,
                        option.code,
                        option.carried_by,
                    )

    def get(self, panel_id: str) -> Panel:
        try:
            return self._panels[panel_id]
        except KeyError:
            raise NotFound("That panel does not exist.") from None


def teams_directory(config: PanelConfig) -> TeamsDirectory:
    teams: dict[str, list[str]] = {}
    tenants: dict[str, str] = {}
    for panel in config.panels:
        channel = config.channels.get(panel.id)
        for member in panel.members:
            tenants.setdefault(member.person_id, panel.tenant_id)
            if channel is not None:
                teams.setdefault(member.person_id, []).append(channel.team_id)
    return TeamsDirectory(
        tenant_of_person=tenants,
        tenant_of_panel={p.id: p.tenant_id for p in config.panels},
        teams_of_person={k: tuple(dict.fromkeys(v)) for k, v in teams.items()},
        channel_of_panel={k: (c.team_id, c.channel_id) for k, c in config.channels.items()},
    )


def allowed_tenants(settings: Settings, config: PanelConfig) -> frozenset[str]:
    """The edge and the bot check the same list: the panels' tenants plus ALLOWED_TENANTS."""
    return config.allowed_tenants | settings.extra_tenants


def panels_of_team(config: PanelConfig) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for panel_id, channel in config.channels.items():
        found.setdefault(channel.team_id, []).append(panel_id)
    return {team: tuple(ids) for team, ids in found.items()}


def alone(
    store: Store, name: str, sweep: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[object]]:
    """`sweep`, skipped while another instance runs the same one (storage/locks.py)."""

    async def run() -> object:
        async with exclusively(store, name) as mine:
            if not mine:
                log.info("Sweep %s is running in another instance; skipped here", name)
                return None
            return await sweep()

    return run


def sweeps(
    store: Store, config: PanelConfig, deps: Deps, outbox: Outbox, clock: Clock
) -> WeekScheduler:
    """Every scheduled step: the week and panel day per panel, follow-up, the drift report,
    retention, and business support's list of what was not delivered."""

    async def step(panel_id: str) -> object:
        async def both() -> object:
            return await run_week(deps, panel_id), await run_panel_day(deps, panel_id)

        return await alone(store, f"week:{panel_id}", both)()

    scheduler = WeekScheduler([(p.id, p.policy, p.calendar) for p in config.panels], step, clock)
    for panel in config.panels:
        # Daily nudges before the working day starts; the drift report on the 1st (§22.2).
        scheduler.every(
            f"follow-up:{panel.id}",
            alone(store, f"follow-up:{panel.id}", partial(run_follow_up, deps, panel.id)),
            day_of_week="mon-fri",
            hour=7,
            minute=30,
        )
        scheduler.every(
            f"drift:{panel.id}",
            alone(store, f"drift:{panel.id}", partial(drift_report, deps, panel.id)),
            day=1,
            hour=9,
        )
    policies = {p.id: p.policy for p in config.panels}

    async def retention() -> object:
        return await sweep_retention(store, policies, clock.now())

    scheduler.every("retention", alone(store, "retention", retention), hour=3, minute=30)

    async def undelivered() -> object:
        return await tell_business_support(outbox, outbox, config.panels, clock.now())

    # Business support hear of a message given up on within the hour, in working hours.
    scheduler.every(
        "undelivered",
        alone(store, "undelivered", undelivered),
        day_of_week="mon-fri",
        hour="8-18",
        minute=5,
    )
    return scheduler


async def panel_bot(app: web.Application) -> AsyncIterator[None]:
    """The bot, its outbox delivery worker and the week's scheduler, over the store."""
    settings, config, store, clock = app[SETTINGS], app[PANELS], app[STORE], app[CLOCK]
    await save_roster(store, config.panels)
    references = ConversationReferences(store)
    outbox = Outbox(store)
    receipts = await graph_receipts(settings, config)
    directory = teams_directory(config)
    deliverer = Deliverer(
        app[ADAPTER],
        settings.app_id,
        outbox,
        references,
        directory,
        clock,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        receipts=receipts,
        settle=timedelta(seconds=settings.reconcile_after_seconds),
        still_due=partial(still_due, ConfiguredPanels(config), SqlFacts(store)),
    )
    deps = Deps(
        panels=ConfiguredPanels(config),
        uow=store.unit_of_work,
        clock=clock,
    )
    app[DELIVERER] = deliverer
    store.on_messages = deliverer.wake  # messages a use case committed: send them now
    app[DEPS] = deps
    app[BOT] = PanelBot(
        BotConfig(
            deps=deps,
            panels=config.panels,
            seen=ProcessedActivities(store),
            references=references,
            allowed_tenants=allowed_tenants(settings, config),
            panels_of_team=panels_of_team(config),
            undelivered=outbox,
            desk=DeliveryDesk(outbox, references, directory),
        )
    )

    scheduler = sweeps(store, config, deps, outbox, clock)
    app[SCHEDULER] = scheduler
    delivery = asyncio.create_task(deliverer.run()) if app[BACKGROUND] else None
    if app[BACKGROUND]:
        scheduler.start()
    log.info(
        "Serving %s: %s",
        plural(len(config.panels), "panel"),
        ", ".join(p.id for p in config.panels),
    )
    yield
    if delivery is not None:
        delivery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivery
        scheduler.shutdown()
    if receipts is not None:
        await receipts.close()


async def graph_receipts(settings: Settings, config: PanelConfig) -> GraphReceipts | None:
    """Graph, to look for a message whose send had an unknown outcome; None (such a message is
    sent again, at least once) without credentials for it, as in local development."""
    credential: str | dict[str, str] = settings.graph_secret
    if not settings.graph_client_id and settings.uses_certificate:
        key = await asyncio.to_thread(Path(settings.certificate_key_file).read_text, "utf-8")
        credential = {"private_key": key, "thumbprint": settings.certificate_thumbprint}
    if not settings.graph_client or not credential:
        log.warning(
            "No Graph credentials: a message whose send had an unknown outcome will be sent "
            "again without first looking for it (it may then arrive twice)"
        )
        return None
    tokens = MsalTokens(
        settings.graph_client,
        credential,
        default_tenant=settings.graph_tenant_id or settings.tenant_id,
        authority_host=settings.graph_authority_host,
    )
    return GraphReceipts(
        tokens,
        settings.teams_app_id or settings.app_id or settings.graph_client,
        {k: (c.team_id, c.channel_id) for k, c in config.channels.items()},
        {k: c.group_id for k, c in config.channels.items() if c.group_id},
        base_url=settings.graph_url,
    )


async def healthz(request: web.Request) -> web.Response:
    """Ready only when the database can be written (a row written and committed), within 2 s:
    a bot that can read but not save would otherwise look healthy while losing work."""
    try:
        await asyncio.wait_for(request.app[STORE].probe(request.app[CLOCK].now()), 2.0)
    except Exception as error:
        log.warning("Health check: the database cannot be written (%s)", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "not writable"}, status=503)
    return web.json_response({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    upgrade_db: bool = False,
    clock: Clock | None = None,
    background: bool = True,
    signing_keys: SigningKeys | None = None,
) -> web.Application:
    """The aiohttp application; raises UnsafeSettingsError for settings the safeguards forbid
    (or keys it cannot use) and PanelConfigError for a panel configuration it cannot use.

    The schema is upgraded only when `upgrade_db` is asked for (`--upgrade-db`), never silently.
    Tests pass their own `clock` and `background=False` to run delivery and the scheduler's
    steps themselves, and `signing_keys` that fetch from a stand-in.
    """
    check_safe(settings)
    speed_up_retry_policy()
    config = load_panel_config(ROOT / settings.panel_config)  # an absolute path stays as it is
    app = web.Application(client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[PANELS] = config
    app[CLOCK] = clock or SystemClock()
    app[UPGRADE_DB] = upgrade_db
    app[BACKGROUND] = background
    app[SIGNING_KEYS] = signing_keys or SigningKeys()
    app[CIPHER] = cipher_for(settings)  # here, so bad keys stop the start with a plain reason
    app.cleanup_ctx.append(storage)
    app.cleanup_ctx.append(bot_framework)
    app.cleanup_ctx.append(panel_bot)
    app.router.add_get("/healthz", healthz)
    app.router.add_post(
        "/api/messages",
        messages_handler(
            lambda: app[ADAPTER],
            lambda: app[BOT].on_turn,
            authentication=settings.authentication_enabled,
            allowed_tenants=allowed_tenants(settings, config),
            service_urls=ServiceUrls.of(
                settings.allowed_service_hosts.split(","),
                loopback=not settings.authentication_enabled,
            ),
        ),
    )
    return app


async def verify_audit(settings: Settings) -> int:
    """`python app.py --verify-audit`: 0 if the chain is intact, 1 if it has been altered."""
    engine = create_engine(settings.database_url or default_sqlite_url())
    try:
        report = await audit_chain.verify(engine, cipher_for(settings))
    finally:
        await engine.dispose()
    print(report.line())
    return 0 if report.intact else 1


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Early Help Panel Bot.")
    parser.add_argument(
        "--upgrade-db", action="store_true", help="apply database migrations before starting"
    )
    parser.add_argument(
        "--verify-audit",
        action="store_true",
        help="check the audit log's hash chain, print its head, and exit (1 if altered)",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiosqlite logs every statement with its bound values at DEBUG: children's data.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    settings = Settings()
    try:
        if args.verify_audit:
            raise SystemExit(asyncio.run(verify_audit(settings)))
        app = create_app(settings, upgrade_db=args.upgrade_db)
    except (UnsafeSettingsError, PanelConfigError) as error:
        log.critical("%s", error)
        raise SystemExit(2) from None
    web.run_app(app, host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
