"""The embedded Prefect API a local build talks to, started before the flow with time to start and a second try.

On a fresh PREFECT_HOME the API first creates and migrates its SQLite database; on a busy 2-core machine that took
longer than Prefect's default 20 s wait, and the build died with "Timed out while attempting to connect to
ephemeral Prefect API server". Prefect reads its timeout when it is imported, so the command line sets
PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS first (flows/environment.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

STARTUP_TIMEOUT_SECONDS = 120
ATTEMPTS = 2


def start_embedded_api(timeouts: Sequence[float] | None = None) -> int:
    """Start the ephemeral API the flow will use, one attempt per timeout (default: the setting, twice); an attempt
    that times out is stopped before the next. Returns the attempts taken, 0 when a server or no embedding is set."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_SERVER_EPHEMERAL_ENABLED,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    )

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return 0
    # The API creates its database in PREFECT_HOME but not the folders above it: without them it fails, is
    # restarted and fails again until the timeout, with "unable to open database file" in its log.
    Path(PREFECT_HOME.value()).mkdir(parents=True, exist_ok=True)
    *retried, last = timeouts or [PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()] * ATTEMPTS
    for attempt, timeout in enumerate(retried, 1):
        # The same instance Prefect's client asks for later (one per process), so the flow finds it running.
        server = SubprocessASGIServer()
        try:
            server.start(timeout=timeout)
            return attempt
        except RuntimeError:
            server.stop()  # the slow process goes, so the next attempt's is the only one
    SubprocessASGIServer().start(timeout=last)
    return len(retried) + 1
