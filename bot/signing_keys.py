"""The keys Bot Framework tokens are signed with, fetched without ever stopping the bot.

botbuilder 4.17 fetches its OpenID metadata and signing keys with a synchronous
`requests.get`, with no timeout, on the event loop, the first time any JWT-shaped bearer
arrives (even an unsigned `alg: none` one) and again daily. While Microsoft's endpoint is slow
the whole bot stops: every chat, `/healthz`, the delivery worker. The SDK is frozen upstream, so
its metadata lookup (`_OpenIdMetadata.get`) is replaced here: keys are fetched with aiohttp and
a timeout, in the background (from start-up, then daily); a request never waits more than
`wait` seconds for them, and fails closed (401) when they are not to be had.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth import jwt_token_extractor as sdk
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

MAX_AGE = 24 * 3600.0  # the SDK's own refresh period
# An unknown key id may mean Microsoft rolled its keys; look again, but at most this often, so
# a stream of made-up key ids cannot make the bot hammer the endpoint.
UNKNOWN_KEY_REFRESH = 300.0
RETRY = 60.0  # after a failed fetch, the next one waits this long
# Where the Bot Framework service's tokens are checked (public cloud); fetched at start-up.
CHANNEL_METADATA = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL

Fetch = Callable[[str], Awaitable[list[dict[str, Any]]]]


class KeysUnavailable(Exception):
    """No signing key to check the token with: the request is refused (fail closed)."""


def http_fetch(timeout: float = 10.0) -> Fetch:
    """The OpenID metadata at `url`, then the signing keys its `jwks_uri` names."""

    async def fetch(url: str) -> list[dict[str, Any]]:
        limits = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limits) as session:
            async with session.get(url) as response:
                response.raise_for_status()
                keys_url = (await response.json(content_type=None))["jwks_uri"]
            async with session.get(keys_url) as response:
                response.raise_for_status()
                keys = (await response.json(content_type=None))["keys"]
        if not isinstance(keys, list):
            raise ValueError("the signing keys are not a list")
        return [k for k in keys if isinstance(k, dict)]

    return fetch


class _KeySet:
    def __init__(self, url: str, fetch: Fetch, clock: Callable[[], float]) -> None:
        self.url, self._fetch, self._clock = url, fetch, clock
        self.keys: list[dict[str, Any]] = []
        self.fetched_at = -MAX_AGE - 1.0
        self.tried_at = -RETRY - 1.0
        self._task: asyncio.Task[None] | None = None

    def refresh(self) -> asyncio.Task[None]:
        """The fetch under way, or a new one: one at a time per URL."""
        if self._task is None or self._task.done():
            self.tried_at = self._clock()
            self._task = asyncio.get_running_loop().create_task(self._refresh())
        return self._task

    async def _refresh(self) -> None:
        try:
            self.keys = await self._fetch(self.url)
            self.fetched_at = self._clock()
        except Exception as error:  # a slow, down or odd endpoint: keep what we have
            log.warning("Could not fetch the token signing keys (%s)", type(error).__name__)

    def find(self, key_id: str | None) -> dict[str, Any] | None:
        return next((k for k in self.keys if k.get("kid") == key_id), None)

    def stale(self, now: float) -> bool:
        return now - self.fetched_at > MAX_AGE and now - self.tried_at > RETRY

    def may_look_again(self, now: float) -> bool:
        return now - self.tried_at > UNKNOWN_KEY_REFRESH


class SigningKeys:
    """Signing keys per metadata URL; `install` puts them in the SDK's place."""

    def __init__(
        self,
        fetch: Fetch | None = None,
        *,
        wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch or http_fetch()
        self._wait, self._clock = wait, clock
        self._sets: dict[str, _KeySet] = {}

    def _set(self, url: str) -> _KeySet:
        if url not in self._sets:
            self._sets[url] = _KeySet(url, self._fetch, self._clock)
        return self._sets[url]

    def prefetch(self, urls: Iterable[str] = (CHANNEL_METADATA,)) -> None:
        """Start fetching in the background (at start-up), so the first request need not wait."""
        for url in urls:
            self._set(url).refresh()

    async def key(self, url: str, key_id: str | None) -> dict[str, Any]:
        """The signing key `key_id`; waits at most `wait` seconds for a fetch, else refuses."""
        keys, now = self._set(url), self._clock()
        if keys.stale(now):
            keys.refresh()  # in the background: old keys go on working meanwhile
        found = keys.find(key_id)
        if found is None and (not keys.keys or keys.may_look_again(now)):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(keys.refresh()), self._wait)
            found = keys.find(key_id)
        if found is None:
            raise KeysUnavailable("no signing key for this token is available")
        return found

    async def close(self) -> None:
        for keys in self._sets.values():
            if keys._task is not None and not keys._task.done():
                keys._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keys._task

    def install(self) -> None:
        """Replace the SDK's blocking metadata lookup with this one (process-wide, as the SDK's
        own cache is)."""
        signing_keys = self

        async def get(metadata: Any, key_id: str) -> Any:
            found = await signing_keys.key(metadata.url, key_id)
            public_key = RSAAlgorithm.from_jwk(json.dumps(found))
            return sdk._OpenIdConfig(public_key, found.get("endorsements", []))

        sdk._OpenIdMetadata.get = get
