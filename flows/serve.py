"""A local Prefect server with the project's deployments and a worker: `make serve` (or `python -m flows.serve`).

Starts `prefect server start` on 127.0.0.1 (SQLite under PREFECT_HOME), creates the process work pool,
deploys deployments/prefect.yaml, and runs a worker until interrupted. The UI is at http://127.0.0.1:PORT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).parent / "prefect")
POOL = "synthfactory"
WORKER_COMMAND = [PREFECT, "worker", "start", "--pool", POOL, "--type", "process"]


def server_env(port: int, prefect_home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_HOME": str(prefect_home or env.get("PREFECT_HOME") or ROOT / ".prefect"),
            "SYNTHFACTORY_HOME": str(ROOT),
            "HF_HUB_OFFLINE": "1",
        }
    )
    return env


def start_server(port: int, env: dict[str, str], timeout: float = 120) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:port, returned once its health endpoint answers."""
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    raise TimeoutError(f"prefect server on port {port} did not answer within {timeout}s")


def deploy(env: dict[str, str]) -> None:
    """The work pool, then every deployment in deployments/prefect.yaml."""
    subprocess.run(
        [PREFECT, "--no-prompt", "work-pool", "create", POOL, "--type", "process", "--overwrite"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [PREFECT, "--no-prompt", "deploy", "--all", "--prefect-file", str(ROOT / "deployments" / "prefect.yaml")],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def start_worker(env: dict[str, str], command: list[str] = WORKER_COMMAND) -> subprocess.Popen:
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    """Stop a process and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    port = int(os.environ.get("PREFECT_SERVER_PORT", "4200"))
    env = server_env(port)
    server = start_server(port, env)
    try:
        deploy(env)
        print(
            f"Prefect UI: http://127.0.0.1:{port}  (deployments: build-dataset/demo-nightly; Ctrl-C stops)", flush=True
        )
        worker = start_worker(env)
        worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server)


if __name__ == "__main__":
    main()
