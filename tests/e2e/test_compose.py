"""docker-compose.yml validates offline, and its worker runs the command the tests run against a real server."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from flows.serve import WORKER_COMMAND

ROOT = Path(__file__).resolve().parents[2]
needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="docker-compose is not installed (.ci/run installs it)"
)


def compose_config(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "ANTHROPIC_API_KEY")}
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd="/",
    )


@needs_compose
def test_compose_file_is_valid_and_needs_its_secrets():
    rendered = compose_config(POSTGRES_PASSWORD="s3cret")
    assert rendered.returncode == 0, rendered.stderr
    services = yaml.safe_load(rendered.stdout)["services"]
    assert set(services) == {"postgres", "server", "worker"}
    assert services["worker"]["environment"]["PREFECT_API_URL"] == "http://server:4200/api"
    missing = compose_config()
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr


def test_images_are_pinned_and_the_worker_command_is_the_tested_one():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert all(":" in s["image"] and not s["image"].endswith(":latest") for s in services.values())
    assert services["worker"]["command"] == ["prefect", *WORKER_COMMAND[1:]]
    assert "ANTHROPIC_API_KEY=" in (ROOT / ".env.example").read_text() and not (ROOT / ".env").exists()
