"""docker-compose.yml validates offline, its worker runs the command the tests run against a real server, it starts
in order and restarts, keeps its data on the volume, uses current Prefect setting names, and probes the server's
health."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from prefect.settings import PREFECT_API_URL
from prefect.settings.legacy import _get_settings_fields
from prefect.settings.models.root import Settings

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


def current_setting_names() -> set[str]:
    """Prefect's own names for its settings (the deprecated aliases it still reads are left out)."""
    fields = _get_settings_fields(Settings)
    return {name for name, setting in fields.items() if name == "PREFECT_" + setting.accessor.replace(".", "_").upper()}


def test_the_stack_starts_in_order_restarts_and_keeps_its_data_on_the_volume():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["server"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["worker"]["depends_on"] == {"server": {"condition": "service_healthy"}}
    assert {name: s.get("restart") for name, s in services.items()} == dict.fromkeys(services, "unless-stopped")
    worker = services["worker"]["environment"]
    assert "data:/data" in services["worker"]["volumes"]
    assert all(worker[k].startswith("/data/") for k in ("SYNTHFACTORY_DATA_ROOT", "SYNTHFACTORY_CACHE", "PREFECT_HOME"))
    prefect_names = {k for s in services.values() for k in s.get("environment", {}) if k.startswith("PREFECT_")}
    assert prefect_names - current_setting_names() == set()


def test_the_servers_healthcheck_tells_a_live_api_from_none(prefect_api):
    [kind, *probe] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["server"]["healthcheck"][
        "test"
    ]
    assert kind == "CMD" and probe[0] == "python"
    live = PREFECT_API_URL.value()  # the session's test server
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
    answers = [
        subprocess.run([sys.executable, *[a.replace("http://127.0.0.1:4200/api", url) for a in probe[1:]]]).returncode
        for url in (live, dead)
    ]
    assert answers[0] == 0 and answers[1] != 0
