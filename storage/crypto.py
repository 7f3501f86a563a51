"""Field-level encryption of child data, with key rotation, and keyed hashes for look-ups.

Keys are Fernet keys (AES-128-CBC with HMAC-SHA256). The first key encrypts; every key
decrypts, so a new key is rotated in by putting it first and old rows still read.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(ValueError):
    """The configured keys are missing or malformed."""


class FieldCipher:
    def __init__(self, keys: Sequence[str], lookup_key: str) -> None:
        if not keys:
            raise CipherError("At least one encryption key is needed.")
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        except (ValueError, UnicodeEncodeError):
            raise CipherError(
                "An encryption key is not a valid Fernet key (32 url-safe base64 bytes)."
            ) from None
        if len(lookup_key) < 32:
            raise CipherError("The look-up key must be at least 32 characters.")
        self._lookup = lookup_key.encode("utf-8")

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # Never guess: a row no configured key can read means a key was removed too early.
            raise CipherError(
                "A stored field cannot be decrypted with the configured keys."
            ) from None

    def lookup_hash(self, value: str) -> str:
        """A keyed hash of a case reference: equal references match, the value is not revealed."""
        normal = value.strip().upper().encode("utf-8")
        return hmac.new(self._lookup, normal, hashlib.sha256).hexdigest()

    def seal(self, text: str) -> str:
        """A keyed hash for the audit chain: whoever can write the database but lacks the key
        cannot forge a chain over rows they changed. Separate from the look-up hash's domain."""
        return hmac.new(
            self._lookup, b"audit-chain\0" + text.encode("utf-8"), hashlib.sha256
        ).hexdigest()


def development_cipher(path: Path) -> FieldCipher:
    """Keys for local development only, kept in a file so data survive a restart.

    Created on first use. app.py uses this only when authentication is off (loopback).
    """
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    else:
        stored = {"keys": [FieldCipher.new_key()], "lookup_key": secrets.token_urlsafe(48)}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored), encoding="utf-8")
        path.chmod(0o600)
    return FieldCipher(stored["keys"], stored["lookup_key"])
