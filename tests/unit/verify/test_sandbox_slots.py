"""Sandboxes at once in one process are capped, however many shards run their checks side by side."""

import threading
from concurrent.futures import ThreadPoolExecutor

from tasks.verify import sandbox
from tasks.verify.sandbox import RunResult, run_python
from tests.helpers.waiting import wait_until


def test_shards_side_by_side_share_the_process_cap(monkeypatch):
    cap = sandbox._RUNNING._initial_value  # type: ignore[attr-defined]
    lock, release = threading.Lock(), threading.Event()
    active, most = [0], [0]

    def held_run(*args):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        release.wait(30)
        with lock:
            active[0] -= 1
        return RunResult(True, "", "")

    monkeypatch.setattr(sandbox, "sandbox_problem", lambda: None)
    monkeypatch.setattr(sandbox, "_run_isolated", held_run)
    with ThreadPoolExecutor(3 * cap) as shards:
        runs = [shards.submit(run_python, "print(1)") for _ in range(3 * cap)]
        wait_until(lambda: active[0] >= cap, 10, "the cap's sandboxes to start")
        release.set()
        assert all(run.result().passed for run in runs)
    assert most[0] == cap
