"""What a build leaves beside the versions while it runs (its `.work/<run>` shards, a `.staging-*` version being
assembled, the embedded Prefect server it started), and how it goes away: removed when the build is stopped by a
signal, and swept by the next build when the process that made it died (kill -9, a lost machine).

Only a build holding the dataset's lock sweeps (tasks/versions/lock.py), so no other build of the dataset is
between publishing steps; a work folder whose owner is still alive (a flow run waiting to retry) is kept.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from tasks.versions.store import STAGING_PREFIX, STOPPING, VersionStore

OWNER_FILE = "owner.json"
# The embedded Prefect server a command-line build starts: recorded so the next build can stop it after a crash.
SERVER_MARK = "prefect.server.api.server:create_app"


def _identity(process: psutil.Process) -> dict:
    return {"pid": process.pid, "started": process.create_time()}


def _alive(identity: dict) -> psutil.Process | None:
    """The process `identity` names, if it still runs (a recycled pid has another start time)."""
    try:
        process = psutil.Process(int(identity["pid"]))
        return process if abs(process.create_time() - float(identity["started"])) < 0.01 else None
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None


def claim_work_dir(store: VersionStore, run_id: str) -> None:
    """Write who owns the run's work folder: this process and the embedded Prefect server it started."""
    if not store.local:
        return
    me = psutil.Process()
    servers = [_identity(child) for child in me.children(recursive=True) if SERVER_MARK in " ".join(_cmdline(child))]
    folder = Path(store.work_dir(run_id))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OWNER_FILE).write_text(json.dumps({**_identity(me), "servers": servers}))


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def sweep_leftovers(store: VersionStore, run_id: str) -> list[str]:
    """Remove what crashed builds left (call it holding the lock): every `.staging-*` folder, and each
    `.work/<run>` of another run whose owner process is gone, stopping the Prefect server that owner started.
    Returns the removed paths."""
    if not store.local or not Path(store.base).is_dir():
        return []
    base, removed = Path(store.base), []
    for staging in base.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(staging, ignore_errors=True)
        removed.append(str(staging))
    work = base / ".work"
    for folder in sorted(work.iterdir()) if work.is_dir() else []:
        if folder.name == run_id:
            continue
        owner = _read_owner(folder)
        if owner and _alive(owner):
            continue
        for server in owner.get("servers", []) if owner else []:
            if (process := _alive(server)) and SERVER_MARK in " ".join(_cmdline(process)):
                _stop(process)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(str(folder))
    return removed


def _read_owner(folder: Path) -> dict | None:
    try:
        owner = json.loads((folder / OWNER_FILE).read_text())
        return owner if isinstance(owner, dict) else None
    except (OSError, ValueError):
        return None


def _stop(process: psutil.Process, grace: float = 5) -> None:
    try:
        process.terminate()
        process.wait(grace)
    except psutil.TimeoutExpired:
        process.kill()
    except psutil.Error:
        pass


# The work folders (with their dataset folder) of the builds running in this process, for a stop to remove.
_RUNNING: set[tuple[str, str]] = set()


def remove_own_leftovers() -> None:
    """Remove the work folders and staging folders of this process's running builds, which are being stopped;
    from then on no publish of this process commits (store.STOPPING). Safe from any thread, and more than once."""
    STOPPING.set()
    for base, work in list(_RUNNING):
        shutil.rmtree(work, ignore_errors=True)
        for staging in Path(base).glob(f"{STAGING_PREFIX}{os.getpid()}-*"):
            shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def removed_when_stopped(
    store: VersionStore, run_id: str, stops: tuple[type[BaseException], ...] = (KeyboardInterrupt, SystemExit)
) -> Iterator[None]:
    """Run the block; if one of `stops` ends it (the exceptions a signal becomes), remove the run's work folder and
    this process's staging folders before it goes on. Anything else (a failure, a pause) keeps the work folder: a
    retried or resumed flow run reads it. While the block runs, remove_own_leftovers() also removes them."""
    if not store.local:
        yield
        return
    running = (store.base, store.work_dir(run_id))
    _RUNNING.add(running)
    try:
        yield
    except stops:
        remove_own_leftovers()
        raise
    finally:
        _RUNNING.discard(running)


def stop_children(grace: float = 5) -> None:
    """Stop every process this one started (the embedded Prefect server, sandboxed code): SIGTERM, then SIGKILL."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
