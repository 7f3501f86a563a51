"""A fix for the Bot Framework SDK's HTTP layer, applied once by app.py.

msrest 0.7.1 builds a retry policy for every connector client by testing each of 999 status
codes against `ClientRetryPolicy.safe_codes`, a 501-element list; botbuilder's CloudAdapter
builds two such clients per request. That list scan is ~4 ms of CPU per client here, most of
a card action's cost in the SDK. A frozenset gives the same retry codes in microseconds.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_retry_policy() -> None:
    """Idempotent: the retry codes msrest computes are exactly the same afterwards."""
    # msrest only tests membership (`i not in self.safe_codes`), so any container will do.
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
