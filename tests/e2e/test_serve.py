"""`make serve` as a person uses it: it comes up with the deployments, logs to PREFECT_HOME, and one Ctrl-C
stops the server, the worker and a flow run waiting in the worker, leaving no process behind."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
from prefect import get_client
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.helpers.prefect_server import free_port
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def alive(processes: list[psutil.Process]) -> list[str]:
    """Command lines of those still running (a zombie has exited; only its parent's bookkeeping is left)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(" ".join(process.cmdline()))
        except psutil.NoSuchProcess:
            pass
    return running


def test_ctrl_c_stops_the_server_the_worker_and_a_waiting_flow_run(tmp_path):
    home, port = tmp_path / "prefect-home", free_port()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_PORT=str(port), PREFECT_WORKER_QUERY_SECONDS="1")
    # Started as a shell starts a background job, with SIGINT ignored: Ctrl-C must still work.
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        with (
            temporary_settings({PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}),
            get_client(sync_client=True) as client,
        ):
            deployment = wait_until(
                lambda: deployment_or_none(client), 240, "make serve to create the deployments", interval=1
            )
            # A run that waits for approval keeps its process alive in the worker until someone answers.
            spec = write_spec(tmp_path, publish={"approval": "required"})
            run = client.create_flow_run_from_deployment(
                deployment.id, parameters={"spec_path": str(spec), "data_root": str(tmp_path / "out")}
            )
            wait_until(
                lambda: client.read_flow_run(run.id).state.type.value == "PAUSED",
                240,
                "the flow run to pause for approval",
                interval=0.5,
            )
        family = psutil.Process(serve.pid).children(recursive=True)
        commands = alive(family)
        assert any(" server start" in c for c in commands) and any(" worker start" in c for c in commands)
        assert [p for p in family if alive([p]) and p.environ().get("PREFECT__FLOW_RUN_ID") == str(run.id)]

        serve.send_signal(signal.SIGINT)  # what Ctrl-C sends: the children are in sessions of their own
        assert serve.wait(timeout=120) == 0, serve.stderr.read()
    finally:
        if serve.poll() is None:  # it did not stop: leave nothing of it behind for the next test
            for process in [*psutil.Process(serve.pid).children(recursive=True), psutil.Process(serve.pid)]:
                process.kill()
    assert alive(family) == []
    assert str(port) in (home / "server.log").read_text()
    worker_log = (home / "worker.log").read_text()
    assert f"submitting flow run '{run.id}'" in worker_log and "stopped!" in worker_log  # a clean stop, not a kill


def deployment_or_none(client):
    try:
        return client.read_deployment_by_name("build-dataset/spec-file")
    except (httpx.HTTPError, ObjectNotFound):  # the server is not up yet, or the deployment not yet created
        return None
