"""The machine-local cache folder: derived models (the int8 export) and the command line's caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """$SYNTHFACTORY_CACHE, or ~/.cache/synthfactory."""
    return Path(os.environ.get("SYNTHFACTORY_CACHE") or Path.home() / ".cache" / "synthfactory")
