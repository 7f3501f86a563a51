"""The one typed settings object, read from the environment once, in app.py."""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

AUTH_OFF_BANNER = "AUTHENTICATION IS OFF — loopback only, for local development"


class UnsafeSettingsError(Exception):
    """The settings would expose the bot in a way the safeguards forbid."""


class Settings(BaseSettings):
    """Bot Framework credentials and where to listen.

    Environment names are the Bot Framework's own (MICROSOFT_APP_ID, ...) plus HOST and PORT.
    """

    model_config = SettingsConfigDict(validate_by_name=True, extra="ignore", frozen=True)

    app_id: str = Field(default="", validation_alias="MICROSOFT_APP_ID")
    app_password: SecretStr = Field(
        default=SecretStr(""), validation_alias="MICROSOFT_APP_PASSWORD"
    )
    # Instead of a client secret: a certificate's thumbprint and its PEM private key file.
    certificate_thumbprint: str = Field(
        default="", validation_alias="MICROSOFT_APP_CERTIFICATE_THUMBPRINT"
    )
    certificate_key_file: str = Field(
        default="", validation_alias="MICROSOFT_APP_CERTIFICATE_KEY_FILE"
    )
    app_type: Literal["SingleTenant", "MultiTenant"] = Field(
        default="SingleTenant", validation_alias="MICROSOFT_APP_TYPE"
    )
    tenant_id: str = Field(default="", validation_alias="MICROSOFT_APP_TENANT_ID")
    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    port: int = Field(default=3978, ge=1, le=65535, validation_alias="PORT")
    # The panels, agencies and people (docs/panel-config.md).
    panel_config: str = Field(default="config/demo.yaml", validation_alias="PANEL_CONFIG")
    # Tenants allowed besides those the panel configuration names (comma-separated).
    allowed_tenants: str = Field(default="", validation_alias="ALLOWED_TENANTS")
    # Hosts Teams may name as an activity's serviceUrl (where replies go), besides Teams' own
    # (bot/edge.py); comma-separated, `*.example.org` for subdomains. Always https.
    allowed_service_hosts: str = Field(default="", validation_alias="ALLOWED_SERVICE_HOSTS")
    # Storage: empty means the embedded SQLite file under data/.
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    # Fernet keys, comma-separated, newest first (it encrypts; all decrypt), and the key of the
    # case-reference look-up hash. Empty is allowed only for local development (see app.py).
    encryption_keys: SecretStr = Field(default=SecretStr(""), validation_alias="ENCRYPTION_KEYS")
    lookup_key: SecretStr = Field(default=SecretStr(""), validation_alias="LOOKUP_KEY")
    # How long a delivery worker holds the messages it claimed; if it dies, another instance
    # takes them over after this. Longer than one send with its retries.
    outbox_lease_seconds: float = Field(
        default=120.0, ge=1.0, le=3600.0, validation_alias="OUTBOX_LEASE_SECONDS"
    )

    # Microsoft Graph, to look for a message whose send had an unknown outcome before sending it
    # again (bot/graph.py). The bot's own app registration by default; the GRAPH_* names let a
    # council use another registration, a sovereign cloud, or a test its stand-in.
    graph_client_id: str = Field(default="", validation_alias="GRAPH_CLIENT_ID")
    graph_client_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias="GRAPH_CLIENT_SECRET"
    )
    graph_tenant_id: str = Field(default="", validation_alias="GRAPH_TENANT_ID")
    graph_url: str = Field(default="https://graph.microsoft.com/v1.0", validation_alias="GRAPH_URL")
    graph_authority_host: str = Field(
        default="https://login.microsoftonline.com", validation_alias="GRAPH_AUTHORITY_HOST"
    )
    # The Teams app's id (manifest `id`), which manifest/package.py sets to MICROSOFT_APP_ID.
    teams_app_id: str = Field(default="", validation_alias="TEAMS_APP_ID")
    # How long Teams is given to show a message before the worker looks for it.
    reconcile_after_seconds: float = Field(
        default=30.0, ge=0.0, le=3600.0, validation_alias="RECONCILE_AFTER_SECONDS"
    )

    @property
    def graph_client(self) -> str:
        return self.graph_client_id or self.app_id

    @property
    def graph_secret(self) -> str:
        if self.graph_client_id:
            return self.graph_client_secret.get_secret_value()
        return self.app_password.get_secret_value()

    @property
    def keys(self) -> list[str]:
        return [k.strip() for k in self.encryption_keys.get_secret_value().split(",") if k.strip()]

    @property
    def extra_tenants(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.allowed_tenants.split(",") if t.strip())

    @property
    def uses_certificate(self) -> bool:
        return bool(self.certificate_thumbprint and self.certificate_key_file)

    @property
    def authentication_enabled(self) -> bool:
        # An empty app id is how the Bot Framework SDK switches authentication off.
        return bool(self.app_id)


def is_loopback(host: str) -> bool:
    """A name or address of this machine: HOST (`::1`), or a Host header or URL host with a
    port (`localhost:3978`, `[::1]:3978`)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost":  # urlsplit gives the name in lower case
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_safe(settings: Settings) -> None:
    """Refuse settings that would serve unauthenticated traffic beyond this machine."""
    if not settings.authentication_enabled and not is_loopback(settings.host):
        raise UnsafeSettingsError(
            f"Refusing to start: MICROSOFT_APP_ID is empty, which turns Bot Framework "
            f"authentication off, and HOST={settings.host!r} is not a loopback address. "
            f"Set MICROSOFT_APP_ID (and its password) or listen on 127.0.0.1."
        )
    if (
        settings.authentication_enabled
        and not settings.app_password.get_secret_value()
        and not settings.uses_certificate
    ):
        raise UnsafeSettingsError(
            "Refusing to start: set MICROSOFT_APP_PASSWORD, or "
            "MICROSOFT_APP_CERTIFICATE_THUMBPRINT and MICROSOFT_APP_CERTIFICATE_KEY_FILE."
        )
    if settings.authentication_enabled and not (
        settings.keys and settings.lookup_key.get_secret_value()
    ):
        raise UnsafeSettingsError(
            "Refusing to start: ENCRYPTION_KEYS and LOOKUP_KEY must be set in production; "
            "children's data is never stored unencrypted or under a development key."
        )
    if (
        settings.authentication_enabled
        and settings.app_type == "SingleTenant"
        and not settings.tenant_id
    ):
        raise UnsafeSettingsError(
            "Refusing to start: MICROSOFT_APP_TYPE is SingleTenant but "
            "MICROSOFT_APP_TENANT_ID is empty."
        )
