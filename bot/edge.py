"""The HTTP edge in front of botbuilder: clear 4xx answers for bad requests (botbuilder answers
500 to several), the token checked before anything else is said about the request, the fields
a turn needs and where replies may go, the tenant allowlist before any handler, then the turn.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.identity import ASKER, Asker
from bot.settings import is_loopback

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # Teams activities are far smaller; a card submission is a few KB
BODY_TIMEOUT = 10.0  # seconds to send the body: a request that stalls is not held open
AUTH_TIMEOUT = 5.0  # a token check never waits longer (signing keys wait at most 1 s)
# Where Teams' replies go (the activity's serviceUrl): the public cloud, GCC, GCC High, DoD.
TEAMS_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)


def activity_in(body: object) -> Activity | None:
    """The activity the body holds, or None if it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    try:
        activity: Activity = Activity().deserialize(body)
    except ValueError:  # msrest's DeserializationError
        return None
    return activity


@dataclass(frozen=True)
class ServiceUrls:
    """Where replies may be sent: https to a Teams host (a configurable list; `*.` allows
    subdomains), and loopback only with authentication off (the Playground, tests)."""

    hosts: tuple[str, ...] = TEAMS_SERVICE_HOSTS
    loopback: bool = False

    @classmethod
    def of(cls, extra: Iterable[str], *, loopback: bool) -> ServiceUrls:
        return cls(
            (*TEAMS_SERVICE_HOSTS, *(h.strip().lower() for h in extra if h.strip())), loopback
        )

    def allow(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if self.loopback and parts.scheme in ("http", "https") and is_loopback(host):
            return True
        if parts.scheme != "https" or not host:
            return False
        return any(
            host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:]))
            for allowed in self.hosts
        )


def missing_for_a_turn(activity: Activity) -> str:
    """What a turn would need and the activity lacks ('' when it has everything)."""
    if not activity.conversation or not getattr(activity.conversation, "id", None):
        return "conversation"
    if not activity.service_url:
        return "serviceUrl"
    if activity.type in ("message", "invoke") and not activity.from_property:
        return "from"
    return ""


async def body_of(request: web.Request) -> bytes:
    try:
        return await asyncio.wait_for(request.read(), BODY_TIMEOUT)  # 413 past client_max_size
    except TimeoutError:
        raise web.HTTPRequestTimeout(text="The request body did not arrive in time.") from None


def activity_of(raw: bytes) -> Activity:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text="The request body is not valid JSON.") from None
    activity = activity_in(body)
    if activity is None:
        raise web.HTTPBadRequest(text="The request body is not a Bot Framework activity.")
    return activity


Turn = Callable[[TurnContext], Awaitable[None]]
"""The bot's turn (`ActivityHandler.on_turn`): the edge needs nothing else of the bot."""


def messages_handler(
    adapter: Callable[[], CloudAdapter],
    bot: Callable[[], Turn],
    *,
    authentication: bool,
    allowed_tenants: frozenset[str],
    service_urls: ServiceUrls,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def messages(request: web.Request) -> web.StreamResponse:
        if not authentication and not is_loopback(request.host):
            # With authentication off, only this machine may drive the bot: a web page could
            # otherwise reach it through DNS rebinding, under a name that resolves here.
            raise web.HTTPForbidden(text="Without authentication only localhost may call the bot.")
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="Send the activity as application/json.")
        auth_header = request.headers.get("Authorization", "")
        if authentication and not auth_header.startswith("Bearer "):
            raise web.HTTPUnauthorized(text="A Bot Framework bearer token is required.")
        activity = activity_of(await body_of(request))
        checked = await _authenticated(adapter(), activity, auth_header)
        missing = missing_for_a_turn(activity)
        if missing:
            raise web.HTTPBadRequest(text=f"The activity has no {missing}.")
        if not service_urls.allow(activity.service_url):
            log.warning("Refused an activity whose serviceUrl is not an allowed Teams host")
            raise web.HTTPBadRequest(text="The activity's serviceUrl is not an allowed host.")
        asker = Asker.of(activity)  # parsed once: the bot reads this one from the turn state
        if asker.tenant not in allowed_tenants:
            log.warning("Refused an activity from a tenant that is not allowed")
            raise web.HTTPForbidden(text="This tenant is not allowed to use this bot.")
        on_turn = bot()

        async def turn(context: TurnContext) -> None:
            context.turn_state[ASKER] = asker
            await on_turn(context)

        invoke = await adapter().process_activity(checked, activity, turn)
        if invoke is None:
            return web.Response(status=201)
        return web.json_response(serializer_helper(invoke.body), status=invoke.status)

    return messages


async def _authenticated(adapter: CloudAdapter, activity: Activity, auth_header: str) -> object:
    """The token checked before anything else is said: an unauthenticated caller learns
    nothing (not even whether its tenant uses the bot). With authentication off the SDK takes
    an empty header as anonymous."""
    try:
        return await asyncio.wait_for(
            adapter.bot_framework_authentication.authenticate_request(activity, auth_header),
            AUTH_TIMEOUT,
        )
    except Exception as error:  # PermissionError, a malformed token, no signing key, a timeout
        log.warning("Refused an activity: authentication failed (%s)", type(error).__name__)
        raise web.HTTPUnauthorized(text="The bearer token is not valid.") from None
