"""Defaults the command line sets before Prefect, GX or Hugging Face libraries are imported: no analytics, quiet
logs, never a hub download, time for the embedded Prefect API to start. A value already in the environment wins."""

from __future__ import annotations

import os

from flows.embedded_api import STARTUP_TIMEOUT_SECONDS
from tasks.embeddings.bundled_model import OFFLINE

QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_SECONDS),
    **OFFLINE,
}


# A build run from Python keeps Prefect's log level: its logs are what a script or a notebook shows of the build.
LIBRARY_DEFAULTS = {name: value for name, value in QUIET_DEFAULTS.items() if name != "PREFECT_LOGGING_LEVEL"}


def apply_quiet_defaults(defaults: dict[str, str] = QUIET_DEFAULTS) -> list[str]:
    """Set each default the environment lacks; returns the names set."""
    missing = [name for name in defaults if name not in os.environ]
    for name in missing:
        os.environ[name] = defaults[name]
    return missing
