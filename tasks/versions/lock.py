"""One build per dataset at a time: an exclusive lock file in a local data root, released when the build ends
or its process dies; on a remote root (any machine may build) a Prefect global concurrency limit
`build-<dataset>` with one slot, its lease renewed while the build runs and expiring if its process dies.
An overlapping build waits for it, or is skipped, as the spec says."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists
from prefect.logging import get_logger
from prefect.settings import PREFECT_API_URL

from tasks.versions.store import VersionStore

# A skipping build (no wait) still gives the server this long to grant a free slot: the acquisition is a request.
SKIP_GRACE_SECONDS = 10.0
# The slot's lease, renewed every 45 s while the build runs: a build whose machine died frees the slot a minute
# later (Prefect's shortest lease), not after the default five.
LEASE_SECONDS = 60.0


class BuildLocked(RuntimeError):
    """Another build of the same dataset holds the lock."""


@contextmanager
def build_lock(store: VersionStore, run_id: str, wait_seconds: float) -> Iterator[None]:
    """Hold the dataset's build lock for the block; BuildLocked when it stays taken for wait_seconds."""
    if not store.local:
        with shared_build_lock(store.dataset, wait_seconds):
            yield
        return
    path = Path(store.path(".build.lock"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    raise BuildLocked(
                        f"another build of {store.dataset} is running ({handle.read().strip() or 'holder unknown'}); "
                        f"lock {path}"
                    ) from None
                time.sleep(min(0.5, max(0.05, deadline - time.monotonic())))
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {"run_id": run_id, "pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            )
        )
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_limit_name(dataset: str) -> str:
    return f"build-{dataset}"


@contextmanager
def shared_build_lock(dataset: str, wait_seconds: float) -> Iterator[None]:
    """Hold the one slot of the `build-<dataset>` global concurrency limit (created if missing) for the block;
    BuildLocked when no slot is granted within wait_seconds. Strict: without the limit Prefect would skip it."""
    name = build_limit_name(dataset)
    if not PREFECT_API_URL.value():
        get_logger(__name__).warning(
            "%s is kept by this process's embedded Prefect API: builds on other machines cannot see it; set "
            "PREFECT_API_URL to the server every worker reports to",
            name,
        )
    with get_client(sync_client=True) as client:
        try:
            client.upsert_global_concurrency_limit_by_name(name, 1)
        except ObjectAlreadyExists:  # another build created it between the upsert's read and its create
            pass
    held = False
    try:
        with concurrency(
            name, timeout_seconds=max(wait_seconds, SKIP_GRACE_SECONDS), lease_duration=LEASE_SECONDS, strict=True
        ):
            held = True
            yield
    except TimeoutError as error:
        if held:  # the build's own timeout, not the lock's
            raise
        raise BuildLocked(f"another build of {dataset} holds the global concurrency limit {name}") from error
