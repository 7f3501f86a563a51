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
        return Undeliverable("no answer in time", retry=True, unknown=left)
    if isinstance(error, ErrorResponseException):
        status = error.response.status_code if error.response is not None else 0
        return Undeliverable(
            f"Teams answered {status}",
            retry=status in RETRYABLE,
            after=_retry_after(error),
            # A 5xx may come after the message was posted (a gateway timing out).
            unknown=status >= 500,
        )
    # A dropped connection, an answer that is not JSON: once the request had left, it may or
    # may not have arrived. Tried again, after looking for it.
    return Undeliverable(type(error).__name__, retry=True, unknown=left)


def _retry_after(error: ErrorResponseException) -> timedelta | None:
    response = error.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return timedelta(seconds=min(float(value), 3600.0)) if value else None
    except ValueError:
        return None
