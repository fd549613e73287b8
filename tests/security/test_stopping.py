"""SIGTERM and SIGINT stop a command-line build at once and leave nothing behind; what a kill -9 leaves is swept
by the next build. Builds run as real `synthfactory build` processes with their own embedded Prefect server."""

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from prefect.exceptions import Pause, TerminationSignal
from typer.testing import CliRunner

from flows.cli import app
from flows.stopping import STOPS, BuildStopped, stopped_line
from tasks.versions.leftovers import OWNER_FILE, SERVER_MARK, claim_work_dir, removed_when_stopped, sweep_leftovers
from tasks.versions.store import STOPPING, VersionStore
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
ENDLESS = 2_000_000  # template rows: generate is still running whenever the signal comes


def start_build(tmp_path: Path, rows: int = ENDLESS) -> tuple[subprocess.Popen, Path]:
    """A build process; its output goes to files (a killed build's orphans would hold pipes open)."""
    spec = write_spec(tmp_path, **{"generator.rows": rows})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    with open(tmp_path / "stdout.txt", "w") as stdout, open(tmp_path / "stderr.txt", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "build", str(spec), "--data-root", str(tmp_path / "out")],
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=stdout,
            stderr=stderr,
        )
    return process, tmp_path / "out" / "tiny"


def started_stage(process: subprocess.Popen, dataset: Path) -> Path:
    """The run's work folder, once the build holds the lock and its stages start (owner.json is written then)."""

    def owner():
        assert process.poll() is None, (dataset.parents[1] / "stderr.txt").read_text()
        return next(iter(dataset.glob(f".work/*/{OWNER_FILE}")), None)

    return wait_until(owner, 240, "the build to start its stages").parent


def command_of(process: psutil.Process) -> str:
    """Its command line; empty for a child that ended meanwhile."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def running(process: psutil.Process) -> bool:
    """Alive and not a zombie (an orphan's zombie stays until the container's init reaps it)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def lock_is_free(dataset: Path) -> bool:
    with open(dataset / ".build.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_build_and_leaves_nothing(tmp_path, signal_number):
    process, dataset = start_build(tmp_path)
    work = started_stage(process, dataset)
    children = psutil.Process(process.pid).children(recursive=True)
    assert any(SERVER_MARK in command_of(c) for c in children)  # the embedded Prefect server
    process.send_signal(signal_number)
    process.wait(timeout=60)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert process.returncode == 128 + signal_number, stderr
    stopped = f"stopped by {signal.Signals(signal_number).name}: nothing was published, the build lock is released"
    assert stopped in stderr.splitlines() and "Traceback" not in stderr, stderr
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert not work.exists() and list(dataset.glob(".staging-*")) == []
    assert lock_is_free(dataset)
    assert VersionStore(str(tmp_path / "out"), "tiny").versions() == []


def test_what_a_killed_build_leaves_is_swept_by_the_next_one(tmp_path, prefect_api):
    process, dataset = start_build(tmp_path)
    work = started_stage(process, dataset)
    (server,) = [c for c in psutil.Process(process.pid).children(recursive=True) if SERVER_MARK in command_of(c)]
    (dataset / ".staging-1-crashed").mkdir()
    process.kill()
    process.wait()
    try:
        assert running(server) and work.exists()  # what kill -9 leaves
        result = CliRunner().invoke(app, ["build", str(write_spec(tmp_path)), "--data-root", str(tmp_path / "out")])
        server_stopped = not running(server)
    finally:
        if running(server):  # the sweep failed: leave no server behind anyway
            server.kill()
    assert result.exit_code == 0, result.output
    assert not work.exists() and list(dataset.glob(".staging-*")) == []
    assert server_stopped
    assert len(VersionStore(str(tmp_path / "out"), "tiny").versions()) == 1


def test_the_sweep_keeps_the_work_of_a_live_build(tmp_path):
    store = VersionStore(str(tmp_path), "tiny")
    claim_work_dir(store, "live")  # owned by this test process, which is alive
    dead = Path(store.work_dir("dead"))
    dead.mkdir(parents=True)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (dead / OWNER_FILE).write_text(json.dumps({"pid": int(finished.stdout), "started": 0.0, "servers": []}))
    assert sweep_leftovers(store, "current") == [str(dead)]
    assert Path(store.work_dir("live"), OWNER_FILE).exists()


@pytest.mark.parametrize(
    "raised, kept",
    [
        (ValueError("a gate failed"), True),  # a retried flow run resumes from the work folder
        (Pause(), True),  # so does a paused one
        (TerminationSignal(signal.SIGTERM), False),
        (BuildStopped(signal.SIGINT), False),
    ],
)
def test_only_a_stop_removes_the_work_folder(tmp_path, raised, kept):
    store = VersionStore(str(tmp_path), "tiny")
    Path(store.work_dir("run")).mkdir(parents=True)
    try:
        with pytest.raises(type(raised)), removed_when_stopped(store, "run", STOPS):
            raise raised
    finally:
        assert STOPPING.is_set() != kept
        STOPPING.clear()  # the process goes on: later tests publish
    assert Path(store.work_dir("run")).exists() == kept


SWALLOWER = """
import signal, sys, time
from pathlib import Path
import flows.stopping as stopping
from tasks.versions.leftovers import removed_when_stopped
from tasks.versions.store import VersionStore
stopping.CLEANUP_SECONDS = 1
store = VersionStore(sys.argv[1], "tiny")
Path(store.work_dir("run")).mkdir(parents=True)
with stopping.stopped_by_signals(), removed_when_stopped(store, "run", stops=()):
    signal.signal(signal.SIGTERM, lambda number, frame: None)  # a handler that never stops: the watchdog must
    print("ready", flush=True)
    while True:
        time.sleep(0.05)
"""


def test_a_swallowed_stop_still_ends_the_process_and_removes_its_work(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", SWALLOWER, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout and process.stdout.readline() == b"ready\n"
        assert (tmp_path / "tiny" / ".work" / "run").is_dir()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        process.kill()
        _, stderr = process.communicate()
    assert stderr.decode().splitlines()[-1] == stopped_line(signal.SIGTERM)
    assert not (tmp_path / "tiny" / ".work" / "run").exists()
