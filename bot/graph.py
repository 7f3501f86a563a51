"""Did a message reach its conversation? Asked of Microsoft Graph, for a send whose outcome is
not known: the connection dropped, Teams answered 5xx, or the worker died mid-send.

The Bot Framework connector takes no idempotency key, so re-posting blindly can show a member
the same card twice. Instead, every card carries its outbox message's marker as the card's
`id` (an AdaptiveCard is a CardElement, so `id` is part of its schema), and before a second
attempt the worker reads the conversation's recent messages for that marker.

Graph paths and permissions (application, client credentials):
- 1:1 chat: the chat between the user and our app, from the user's installation of it
  (`GET /users/{id}/teamwork/installedApps?$expand=teamsApp`, then `.../{installation}/chat`;
  TeamsAppInstallation.ReadForUser.All), then `GET /chats/{chat}/messages` ordered by
  lastModifiedDateTime and filtered from the first unknown attempt (Chat.Read.All, or the
  resource-specific ChatMessage.Read.Chat).
- channel: `GET /teams/{group}/channels/{channel}/messages` (ChannelMessage.Read.Group, RSC).

Anything Graph cannot answer raises `CannotTell`; the worker then sends again, because for
these families a duplicate reminder is better than a missing one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import aiohttp
import msal
from yarl import URL

log = logging.getLogger(__name__)

GRAPH = "https://graph.microsoft.com/v1.0"
AUTHORITY_HOST = "https://login.microsoftonline.com"
SCOPE = "https://graph.microsoft.com/.default"
PAGES = 5  # of 50 messages each: far more than a chat receives between two attempts
SKEW = timedelta(minutes=5)  # our clock against Graph's timestamps


class CannotTell(Exception):
    """Graph could not say whether the message arrived (not configured, refused, down)."""


class Receipts(Protocol):
    async def arrived(self, recipient: str, tenant: str, marker: str, since: datetime) -> bool:
        """Whether a card with this marker reached the recipient's conversation at or after
        `since`; raises CannotTell when that cannot be known."""
        ...


def marker_of(message_id: int) -> str:
    return f"outbox-{message_id}"


class MsalTokens:
    """App-only Graph tokens per tenant, by client credentials; MSAL caches and renews them."""

    def __init__(
        self,
        client_id: str,
        credential: str | Mapping[str, str],
        *,
        default_tenant: str = "",
        authority_host: str = AUTHORITY_HOST,
    ) -> None:
        self._client_id, self._credential = client_id, credential
        self._default_tenant, self._host = default_tenant, authority_host.rstrip("/")
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}

    def _app(self, tenant: str) -> msal.ConfidentialClientApplication:
        found = self._apps.get(tenant)
        if found is None:
            known = self._host == AUTHORITY_HOST
            found = self._apps[tenant] = msal.ConfidentialClientApplication(
                self._client_id,
                client_credential=dict(self._credential)
                if isinstance(self._credential, Mapping)
                else self._credential,
                authority=f"{self._host}/{tenant}",
                # Another host is a sovereign cloud or a test's stand-in: Microsoft's instance
                # discovery does not know it.
                validate_authority=known,
                instance_discovery=None if known else False,
            )
        return found

    async def __call__(self, tenant: str) -> str:
        tenant = tenant or self._default_tenant
        if not tenant:
            raise CannotTell("no tenant to ask Graph in")
        try:
            # MSAL is synchronous (requests); its first call also fetches the tenant's metadata.
            result = await asyncio.to_thread(
                lambda: self._app(tenant).acquire_token_for_client(scopes=[SCOPE])
            )
        except Exception as error:  # network, TLS, metadata: all mean "cannot ask now"
            raise CannotTell(f"no Graph token: {type(error).__name__}") from error
        token = result.get("access_token") if isinstance(result, dict) else None
        if not token:
            why = result.get("error") if isinstance(result, dict) else None
            raise CannotTell(f"no Graph token: {why or 'unknown error'}")
        return str(token)


def carries(message: Mapping[str, Any], marker: str) -> bool:
    """Whether a Graph chatMessage holds a card whose id is `marker`."""
    for attachment in message.get("attachments") or []:
        content = attachment.get("content") if isinstance(attachment, dict) else None
        if not isinstance(content, str) or marker not in content:
            continue  # cheap test first; then parse, so "outbox-1" never matches "outbox-12"
        try:
            card = json.loads(content)
        except ValueError:
            continue
        if isinstance(card, dict) and card.get("id") == marker:
            return True
    return False


class GraphReceipts:
    def __init__(
        self,
        tokens: Callable[[str], Awaitable[str]],
        teams_app_id: str,
        channel_of_panel: Mapping[str, tuple[str, str]],
        group_of_panel: Mapping[str, str],
        *,
        base_url: str = GRAPH,
        timeout: float = 15.0,
    ) -> None:
        self._tokens, self._app_id = tokens, teams_app_id
        self._channels, self._groups = channel_of_panel, group_of_panel
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._chats: dict[str, str] = {}  # person -> Graph chat id, which does not change

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def arrived(self, recipient: str, tenant: str, marker: str, since: datetime) -> bool:
        kind, _, who = recipient.partition(":")
        if kind == "person":
            chat = await self._chat_with(who, tenant)
            filter_from = f"{(since - SKEW).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
            # Graph filters by date only with $orderby on the same property, newest first.
            order = quote("lastModifiedDateTime desc")
            since_filter = quote(f"lastModifiedDateTime gt {filter_from}", safe=":")
            url = (
                f"{self._base}/chats/{quote(chat, safe='')}/messages"
                f"?$top=50&$orderby={order}&$filter={since_filter}"
            )
        elif kind == "channel":
            where, group = self._channels.get(who), self._groups.get(who, "")
            if where is None or not group:
                raise CannotTell("the panel's notices.group (the team's group id) is not set")
            url = (
                f"{self._base}/teams/{quote(group, safe='')}/channels/"
                f"{quote(where[1], safe='')}/messages?$top=50"
            )
        else:
            raise CannotTell(f"unknown recipient kind {kind!r}")
        async for message in self._pages(url, tenant):
            if carries(message, marker):
                return True
        return False

    async def _chat_with(self, person: str, tenant: str) -> str:
        found = self._chats.get(person)
        if found:
            return found
        user = quote(person, safe="")
        url = f"{self._base}/users/{user}/teamwork/installedApps?$expand=teamsApp"
        installation = ""
        async for entry in self._pages(url, tenant):
            app = entry.get("teamsApp") or {}
            if self._app_id in (app.get("externalId"), app.get("id")):
                installation = str(entry.get("id") or "")
                break
        if not installation:
            raise CannotTell("the app is not installed for this person")
        chat = await self._get(
            f"{self._base}/users/{user}/teamwork/installedApps/{quote(installation, safe='')}/chat",
            tenant,
        )
        chat_id = str(chat.get("id") or "")
        if not chat_id:
            raise CannotTell("Graph named no chat for this person")
        self._chats[person] = chat_id
        return chat_id

    async def _pages(self, url: str, tenant: str) -> AsyncIterator[dict[str, Any]]:
        """The `value` entries of a Graph list, following @odata.nextLink for a few pages."""
        next_url: str | None = url
        for _ in range(PAGES):
            if not next_url:
                return
            page = await self._get(next_url, tenant)
            for entry in page.get("value") or []:
                if isinstance(entry, dict):
                    yield entry
            link = page.get("@odata.nextLink")
            next_url = str(link) if link else None

    async def _get(self, url: str, tenant: str) -> dict[str, Any]:
        token = await self._tokens(tenant)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            # Already encoded here, as Graph's own nextLinks are: sent exactly as written.
            async with self._session.get(
                URL(url, encoded=True), headers={"Authorization": f"Bearer {token}"}
            ) as response:
                if response.status != 200:
                    raise CannotTell(f"Graph answered {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise CannotTell(f"Graph could not be read: {type(error).__name__}") from error
        if not isinstance(body, dict):
            raise CannotTell("Graph answered something that is not an object")
        return body
