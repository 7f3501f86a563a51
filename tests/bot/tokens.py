"""Bot Framework tokens for tests: an RSA key of our own, published as the signing key through a
stand-in fetch, and tokens signed with it as the Bot Framework service would sign them."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.signing_keys import Fetch

APP_ID = "00000000-0000-0000-0000-00000000a991"
APP_TENANT = "00000000-0000-0000-0000-00000000a992"
ISSUER = "https://api.botframework.com"
KEY_ID = "test-key"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def published_key() -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(_KEY.public_key()))
    return {**jwk, "kid": KEY_ID, "endorsements": ["msteams"]}


def signed(service_url: str, *, audience: str = APP_ID, lifetime: int = 600) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + lifetime,
    }
    return jwt.encode(claims, _KEY, algorithm="RS256", headers={"kid": KEY_ID})


def unsigned() -> str:
    """A JWT-shaped bearer with `alg: none`: botbuilder still fetches keys to look at it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'x'})}.{part({'iss': ISSUER})}."


def serving_our_key(calls: list[str] | None = None) -> Fetch:
    async def fetch(url: str) -> list[dict[str, Any]]:
        if calls is not None:
            calls.append(url)
        return [published_key()]

    return fetch


def slow(seconds: float) -> Fetch:
    """Microsoft's key endpoint on a bad day."""

    async def fetch(url: str) -> list[dict[str, Any]]:
        await asyncio.sleep(seconds)
        return [published_key()]

    return fetch


def down() -> Fetch:
    async def fetch(url: str) -> list[dict[str, Any]]:
        raise ConnectionError("no route to host")

    return fetch
