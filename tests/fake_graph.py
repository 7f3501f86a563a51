"""Stand-ins for Microsoft's side of reconciliation: an Entra ID token endpoint (over TLS, which
MSAL insists on, with a certificate made here) and the few Graph reads bot/graph.py makes,
answered from what a fake connector really received."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TOKEN = "a-graph-token-for-tests"
TEAMS_APP = "00000000-0000-0000-0000-00000000a99"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files; the certificate is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fake-authority.pem", directory / "fake-authority.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class FakeAuthority:
    """Entra ID's OpenID metadata and client-credentials token endpoint, for any tenant."""

    def __init__(self) -> None:
        self.base = ""  # https://127.0.0.1:port, once served
        self.tokens_issued: list[str] = []  # the tenant of each
        self.app = web.Application()
        self.app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._meta)
        self.app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    async def _meta(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "issuer": f"{self.base}/{tenant}/v2.0",
                "authorization_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/token",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID:
            return web.json_response({"error": "invalid_client"}, status=401)
        self.tokens_issued.append(request.match_info["tenant"])
        return web.json_response(
            {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}
        )


@dataclass
class Posted:
    """One message as Graph lists it."""

    conversation: str
    activity: dict[str, Any]
    at: dt.datetime


@dataclass
class FakeGraph:
    """Graph's view of the conversations: what the connector received, and when.

    `chat_of` names the bot's conversation ids that are a person's 1:1 chat with the app.
    """

    posted: Callable[[], Iterable[Posted]]
    chat_of: Callable[[str], Iterable[str]]
    requests: list[str] = field(default_factory=list)
    refuse: int = 0  # 403 or 503 to every read, when set

    def install(self, app: web.Application, prefix: str = "/v1.0") -> None:
        router = app.router
        router.add_get(prefix + "/users/{user}/teamwork/installedApps", self._installed)
        router.add_get(prefix + "/users/{user}/teamwork/installedApps/{id}/chat", self._chat)
        router.add_get(prefix + "/chats/{chat}/messages", self._messages)
        router.add_get(prefix + "/teams/{group}/channels/{channel}/messages", self._channel)

    def _check(self, request: web.Request) -> None:
        self.requests.append(request.path_qs)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            raise web.HTTPUnauthorized()
        if self.refuse == 403:
            raise web.HTTPForbidden(reason="as the test asked")
        if self.refuse:
            raise web.HTTPServiceUnavailable(reason="as the test asked")

    async def _installed(self, request: web.Request) -> web.Response:
        self._check(request)
        user = request.match_info["user"]
        other = {"id": "other", "teamsApp": {"id": "x", "externalId": "someone-else"}}
        ours = {"id": f"install-{user}", "teamsApp": {"id": "y", "externalId": TEAMS_APP}}
        return web.json_response({"value": [other, ours]})

    async def _chat(self, request: web.Request) -> web.Response:
        self._check(request)
        user = request.match_info["user"]
        return web.json_response({"id": f"19:{user}_bot@unq.gbl.spaces"})

    async def _messages(self, request: web.Request) -> web.Response:
        self._check(request)
        user = request.match_info["chat"].removeprefix("19:").split("_")[0]
        after = _filter_after(request.query.get("$filter", ""))
        conversations = set(self.chat_of(user))
        found = [p for p in self.posted() if p.conversation in conversations and p.at > after]
        found.sort(key=lambda p: p.at, reverse=True)
        return _page(found[:50])

    async def _channel(self, request: web.Request) -> web.Response:
        self._check(request)
        channel = request.match_info["channel"]
        return _page([p for p in self.posted() if p.conversation == channel][-50:])


def _filter_after(text: str) -> dt.datetime:
    """`lastModifiedDateTime gt 2026-11-20T09:00:00Z`: the one filter the bot sends."""
    if not text:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    field_name, operator, value = text.split(" ", 2)
    assert (field_name, operator) == ("lastModifiedDateTime", "gt"), text
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _page(posted: list[Posted]) -> web.Response:
    return web.json_response(
        {
            "value": [
                {
                    "id": str(n),
                    "lastModifiedDateTime": p.at.isoformat(),
                    "attachments": [
                        {
                            "contentType": a.get("contentType"),
                            # Graph gives a card's content as a JSON string.
                            "content": json.dumps(a.get("content")),
                        }
                        for a in p.activity.get("attachments") or []
                    ],
                }
                for n, p in enumerate(posted)
            ]
        }
    )
