"""The embedded Prefect API starts every time: a first build on a fresh PREFECT_HOME through the command line,
and a start that times out is stopped and tried again."""

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.spec_factory import write_spec

ROOT = Path(__file__).resolve().parents[2]


def fresh_env(home: Path) -> dict[str, str]:
    """No server, no Prefect home yet, and none of the settings the command line is meant to supply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_a_first_build_on_a_fresh_prefect_home_starts_the_embedded_api(tmp_path):
    spec = write_spec(tmp_path)
    build = [sys.executable, "-m", "flows.cli", "build", str(spec), "--data-root", str(tmp_path / "out")]
    done = subprocess.run(
        build, cwd=ROOT, env=fresh_env(tmp_path / "home"), capture_output=True, text=True, timeout=280
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "home" / "prefect.db").exists()
    assert [p for p in (tmp_path / "out" / "tiny").iterdir() if p.is_dir() and not p.name.startswith(".")]


# A first attempt given 0.05 s cannot see the API answer; the second gets the default. Prints the attempts
# taken, the API's health and how many API processes this process still has.
RETRY = """
import httpx, psutil
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
from flows.embedded_api import start_embedded_api
attempts = start_embedded_api([0.05, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()])
health = httpx.get(SubprocessASGIServer().api_url + "/health").status_code
servers = [c for c in psutil.Process().children() if "uvicorn" in c.cmdline() and c.status() != psutil.STATUS_ZOMBIE]
print(attempts, health, len(servers))
"""


def test_a_start_that_times_out_is_stopped_and_tried_again(tmp_path):
    env = {**fresh_env(tmp_path / "home"), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    done = subprocess.run([sys.executable, "-c", RETRY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["2", "200", "1"]
