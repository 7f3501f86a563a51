"""The HTTP edge in front of botbuilder: clear 4xx answers for bad requests (botbuilder answers
500 to several), a tenant allowlist before any handler, then the adapter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.panel_bot import TURN_STARTED, PanelBot, tenant_of

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # Teams activities are far smaller; a card submission is a few KB


def activity_in(body: object) -> Activity | None:
    """The activity the body holds, or None if it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    try:
        activity: Activity = Activity().deserialize(body)
    except ValueError:  # msrest's DeserializationError
        return None
    return activity


def messages_handler(
    adapter: Callable[[], CloudAdapter],
    bot: Callable[[], PanelBot],
    *,
    authentication: bool,
    allowed_tenants: frozenset[str],
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            raise web.HTTPUnsupportedMediaType(text="Send the activity as application/json.")
        if authentication and not request.headers.get("Authorization", "").startswith("Bearer "):
            raise web.HTTPUnauthorized(text="A Bot Framework bearer token is required.")
        raw = await request.read()  # aiohttp answers 413 past client_max_size
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise web.HTTPBadRequest(text="The request body is not valid JSON.") from None
        activity = activity_in(body)
        if activity is None:
            raise web.HTTPBadRequest(text="The request body is not a Bot Framework activity.")
        if tenant_of(activity) not in allowed_tenants:
            log.warning("Refused an activity from a tenant that is not allowed")
            raise web.HTTPForbidden(text="This tenant is not allowed to use this bot.")
        started: list[bool] = []
        token = TURN_STARTED.set(started)
        try:
            response: web.StreamResponse = await adapter().process(request, bot())
        except web.HTTPException:
            raise
        except Exception as error:
            if started:
                raise
            # Failed before any turn began: the token was missing, malformed or not valid.
            log.warning("Refused an activity: authentication failed (%s)", type(error).__name__)
            raise web.HTTPUnauthorized(text="The bearer token is not valid.") from None
        finally:
            TURN_STARTED.reset(token)
        return response

    return messages
