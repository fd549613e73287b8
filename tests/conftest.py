"""Shared test set-up: a project-local Prefect home, no analytics, no hub downloads."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("SYNTHFACTORY_CACHE", str(ROOT / ".pytest_cache" / "synthfactory"))
