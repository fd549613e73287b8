"""A local Prefect server with the project's deployments and a worker: `make serve` (or `python -m flows.serve`).

Starts `prefect server start` on 127.0.0.1 (SQLite under PREFECT_HOME), creates the process work pool,
deploys deployments/prefect.yaml, and runs a worker until interrupted. The UI is at http://127.0.0.1:PORT.
The server's and the worker's output go to server.log and worker.log in PREFECT_HOME; Ctrl-C (or SIGTERM)
stops both and every process they started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

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
    env.setdefault("SYNTHFACTORY_DATA_ROOT", str(ROOT / "build" / "data"))  # where `make demo` publishes too
    return env


def log_path(env: dict[str, str], name: str) -> Path:
    """PREFECT_HOME/<name>.log, the folder created if needed."""
    home = Path(env["PREFECT_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    return home / f"{name}.log"


def start_logged(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` in a session of its own (a Ctrl-C reaches only us, and we stop it), output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_server(port: int, env: dict[str, str], timeout: float = 120) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:port logging to PREFECT_HOME/server.log, returned once its API answers."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:  # else another server's health would look like ours
            raise RuntimeError(f"port {port} is in use; set PREFECT_SERVER_PORT to another")
    log = log_path(env, "server")
    server = start_logged([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {server.returncode}; see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                    return server
            except OSError:
                time.sleep(0.5)
        raise TimeoutError(f"prefect server on port {port} did not answer within {timeout}s; see {log}")
    except BaseException:
        stop(server)  # also on Ctrl-C while waiting: no server is left behind
        raise


def deploy(env: dict[str, str]) -> None:
    """The work pool, then every deployment in deployments/prefect.yaml; output to PREFECT_HOME/deploy.log."""
    pool = [PREFECT, "--no-prompt", "work-pool", "create", POOL, "--type", "process", "--overwrite"]
    deployments = [
        PREFECT,
        "--no-prompt",
        "deploy",
        "--all",
        "--prefect-file",
        str(ROOT / "deployments" / "prefect.yaml"),
    ]
    log = log_path(env, "deploy")
    with log.open("ab") as out:
        for command in (pool, deployments):
            if subprocess.run(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode:
                raise RuntimeError(f"{' '.join(command[1:4])} failed; see {log}")


def start_worker(env: dict[str, str], command: list[str] = WORKER_COMMAND) -> subprocess.Popen:
    """A worker of the pool, logging to PREFECT_HOME/worker.log."""
    return start_logged(command, env, log_path(env, "worker"))


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process and everything it started, including flow runs in sessions of their own."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Flow runs the worker started in sessions of their own outlive the group signal; they go the same way.
    survivors = [child for child in family if child.is_running()]
    for child in survivors:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    for child in psutil.wait_procs(survivors, timeout=timeout)[1]:
        child.kill()


def interrupt(signum: int, frame: object) -> None:
    """SIGTERM takes the same way out as Ctrl-C."""
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PREFECT_SERVER_PORT", "4200"))
    env = server_env(port)
    signal.signal(signal.SIGTERM, interrupt)
    # Started in the background a shell ignores SIGINT, and the children would inherit that: a handler of our own
    # makes Ctrl-C (or kill -INT) work here and resets SIGINT to its default in the children.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    running: list[subprocess.Popen] = []
    try:
        running.append(start_server(port, env))
        deploy(env)
        if os.environ.get("SYNTHFACTORY_ALERT_WEBHOOK_URL"):  # failed builds are posted to it (flows/alerts.py)
            subprocess.run([sys.executable, "-m", "flows.alerts"], env=env, check=True)
        running.append(start_worker(env))
        print(
            f"Prefect UI: http://127.0.0.1:{port}  (deployments: build-dataset/demo-nightly, build-dataset/spec-file; "
            f"logs: {log_path(env, 'server')}, "
            f"{log_path(env, 'worker')}; Ctrl-C stops)",
            flush=True,
        )
        code = running[-1].wait()
        print(f"the worker exited with code {code}; see {log_path(env, 'worker')}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(error, file=sys.stderr, flush=True)
        return 1
    finally:
        for process in reversed(running):
            stop(process)


if __name__ == "__main__":
    sys.exit(main())
