"""Shared test set-up: a project-local Prefect home, no analytics, no hub downloads; tiers marked by folder."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("SYNTHFACTORY_CACHE", str(ROOT / ".pytest_cache" / "synthfactory"))

TIERS = ("e2e", "integration", "security")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test is marked with its tier (tests/e2e -> e2e, ...), so `-m "not e2e"` selects by folder."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
