"""One build per dataset at a time: an exclusive lock file in the data root, released when the build ends
or its process dies. An overlapping build waits for it, or is skipped, as the spec says."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.versions.store import VersionStore


class BuildLocked(RuntimeError):
    """Another build of the same dataset holds the lock."""


@contextmanager
def build_lock(store: VersionStore, run_id: str, wait_seconds: float) -> Iterator[None]:
    """Hold the dataset's build lock for the block; BuildLocked when it stays taken for wait_seconds."""
    if not store.local:
        # Object stores have no locks; a Prefect concurrency limit on the deployment does this job there.
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
