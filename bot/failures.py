"""What a failed send means for the message: retried when (Teams' Retry-After, else backing
off with jitter), given up, or of unknown outcome (it may have arrived all the same, so the
next attempt looks for it first)."""

from __future__ import annotations

import random
from datetime import timedelta

from botbuilder.schema import ErrorResponseException

RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})


class Undeliverable(Exception):
    """A send that cannot succeed now; `retry` says whether trying later might. `unknown`: the
    message may have arrived all the same (a 5xx, a dropped connection), so the next attempt
    looks for it first."""

    def __init__(
        self,
        reason: str,
        *,
        retry: bool,
        after: timedelta | None = None,
        unknown: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.after, self.unknown = reason, retry, after, unknown


def backoff(attempts: int, retry_after: timedelta | None = None) -> timedelta:
    if retry_after is not None:
        return retry_after
    base = min(2.0 * 2 ** min(attempts, 20), 600.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not secrecy


def problem_of(error: Exception, *, left: bool) -> Undeliverable:
    """What a failed send means for the message: retry or give up, and whether it may have
    arrived all the same (`left`: the request had gone out)."""
    if isinstance(error, Undeliverable):
        return error
    if isinstance(error, TimeoutError):
        # If the request had left, Teams may have taken it: looked for before it goes again.
        return Undeliverable("Teams did not answer in time", retry=True, unknown=left)
    if isinstance(error, ErrorResponseException):
        status = error.response.status_code if error.response is not None else 0
        return Undeliverable(
            said(status),
            retry=status in RETRYABLE,
            after=_retry_after(error),
            # A 5xx may come after the message was posted (a gateway timing out).
            unknown=status >= 500,
        )
    # A dropped connection, an answer that is not JSON: once the request had left, it may or
    # may not have arrived. Tried again, after looking for it.
    return Undeliverable(
        f"the connection to Teams failed ({type(error).__name__})", retry=True, unknown=left
    )


# What Teams' answer means, in words business support can act on; the code kept for IT.
MEANING = {
    401: "Teams did not accept the bot's credentials: tell IT",
    403: "Teams refused: the app is not installed for this person, or they have blocked it",
    404: "Teams refused: the chat or the person was not found (have they left?)",
    412: "Teams was busy with this chat",
    413: "the card was too large for Teams",
    429: "Teams is limiting how fast the bot sends",
}


def said(status: int) -> str:
    """Teams' answer to a send, as business support read it: 'Teams refused: ... (403)'."""
    meaning = MEANING.get(status) or (
        "Teams had a problem at its end" if status >= 500 else "Teams refused the message"
    )
    return f"{meaning} (Teams answered {status})"


def _retry_after(error: ErrorResponseException) -> timedelta | None:
    response = error.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return timedelta(seconds=min(float(value), 3600.0)) if value else None
    except ValueError:
        return None
