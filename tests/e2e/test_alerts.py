"""A failed build reaches a person: on a real Prefect server, a flow run that fails emits synthfactory.build.failed,
and the automation from flows/alerts.py posts it to a webhook (here a listener on 127.0.0.1). So does a
command-line build stopped with Ctrl-C, whose runs the server then shows Crashed, not Running."""

import json
import os
import signal
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.alerts import ensure_failure_alert
from tests.helpers.fake_http import LocalServer, send_json
from tests.helpers.prefect_server import prefect_server
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


class Webhook(LocalServer):
    """Records the JSON bodies posted to it."""

    def __init__(self):
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                posts.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
                send_json(self, 200, {})

            def log_message(self, *args):
                pass

        self._serve(Handler)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as env:
        yield env


FAILING_BUILD = """
from prefect import flow
from flows.events import emit_failure

@flow(name="build-dataset", on_failure=[emit_failure])
def failing_build(spec_path: str) -> None:
    raise RuntimeError("diversity gate failed: distinct_2 fell by 40%")

try:
    failing_build("deployments/specs/instruct-demo.yaml")
except RuntimeError:
    pass
"""


def test_a_failed_build_posts_to_the_alert_webhook(server):
    with Webhook() as hook:
        first = ensure_failure_alert(hook.url, allow_private_urls=True)
        assert ensure_failure_alert(hook.url, allow_private_urls=True) == first  # rerunning updates, never duplicates
        # The failing build runs in a process of its own, as a worker would run it (and so this process's event
        # worker never points at a server the test stops).
        subprocess.run([sys.executable, "-c", FAILING_BUILD], env=server, cwd=ROOT, check=True, timeout=120)
        posted = wait_until(lambda: hook.posts, 90, "the automation to call the webhook", interval=0.5)
    text = posted[0]["text"]
    assert "instruct-demo failed" in text and "diversity gate failed" in text, text


def running_tasks(known_runs: set) -> list:
    """The running task runs of flow runs not in `known_runs`."""
    with get_client(sync_client=True) as client:
        new = [run.id for run in client.read_flow_runs() if run.id not in known_runs]
        if not new:
            return []
        return [t for t in client.read_task_runs(flow_run_filter=by_id(new)) if t.state and t.state.is_running()]


def by_id(run_ids: list) -> FlowRunFilter:
    return FlowRunFilter(id=FlowRunFilterId(any_=run_ids))


def test_a_stopped_command_line_build_is_crashed_on_the_server_and_alerts(server, tmp_path):
    spec = write_spec(tmp_path, **{"generator.rows": 2_000_000})  # still generating whenever the signal comes
    with get_client(sync_client=True) as client:
        before = {run.id for run in client.read_flow_runs()}
    with Webhook() as hook, open(tmp_path / "stderr.txt", "w") as stderr:
        ensure_failure_alert(hook.url, allow_private_urls=True)
        build = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "build", str(spec), "--data-root", str(tmp_path / "out")],
            cwd=ROOT,
            env={**os.environ, **server, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            wait_until(lambda: running_tasks(before), 240, "the build's generate shards to run")
            build.send_signal(signal.SIGINT)
            assert build.wait(timeout=60) == 128 + signal.SIGINT, (tmp_path / "stderr.txt").read_text()
        finally:
            build.kill()
        posted = wait_until(lambda: hook.posts, 90, "the automation to call the webhook", interval=0.5)
    assert "the build of tiny failed" in posted[0]["text"] and "stopped by SIGINT" in posted[0]["text"], posted
    with get_client(sync_client=True) as client:
        builds = [run for run in client.read_flow_runs() if run.id not in before]  # the build and its stages' subflow
        assert len(builds) == 2 and all(run.state.is_crashed() for run in builds), builds
        tasks = client.read_task_runs(flow_run_filter=by_id([run.id for run in builds]))
    assert tasks and not [t.name for t in tasks if t.state.is_running() or t.state.is_pending()], tasks


LATE_SHARD = """
from prefect import flow, task
from prefect.client.orchestration import get_client
from prefect.states import Pending, Running
from flows import stop_report

@flow(name="build-dataset")
def build(): pass

@task(name="generate-shard")
def shard(): pass

with get_client(sync_client=True) as client:
    run = client.create_flow_run(build, state=Running())
    stop_report._builds[run.id] = ("tiny", "spec.yaml")
    stop_report.start_stop_report("stopped by SIGINT").join()
    late = client.create_task_run(shard, run.id, dynamic_key="late", state=Pending())
    print(client.read_flow_run(run.id).state.type.value, client.set_task_run_state(late.id, Running()).status.value)
    stop_report.finish_stop_report("stopped by SIGINT")
    print(client.read_task_run(late.id).state.type.value)
"""


def test_a_shard_started_after_the_first_stop_pass_is_crashed_by_the_last(server):
    # The task runner may start a queued shard between the pass at the signal and the process's end: the server
    # refuses it Running in the crashed build, and it would stay Pending unless the last pass sweeps it too.
    # Its own process, so this one's event worker never points at a server the test stops.
    done = subprocess.run(
        [sys.executable, "-c", LATE_SHARD],
        env={**os.environ, **server, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["CRASHED", "ABORT", "CRASHED"], done.stdout + done.stderr
