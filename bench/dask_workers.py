"""The Dask workers of a LocalCluster build (bench/scale.py): started as docs/operations.md starts workers, each held
to a core of its own, and what their processes spent: CPU seconds, and seconds their threads were ready to run but
waited for a core (the kernel's schedstat run delay), which tells a stage's own work from a core it shared."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import psutil


def pin_workers(client) -> dict[str, int]:
    """Each worker process (all its threads, and the processes it starts later) on a core of its own."""
    cores = sorted(os.sched_getaffinity(0))
    pinned = {}
    for position, address in enumerate(sorted(client.scheduler_info()["workers"])):
        core = cores[position % len(cores)]
        pid = client.run(os.getpid, workers=[address])[address]
        subprocess.run(["taskset", "-a", "-cp", str(core), str(pid)], check=True, capture_output=True)
        pinned[address] = core
    return pinned


def start_cluster(workers: int, pin: bool) -> tuple[Any, list[int]]:
    """(a LocalCluster of `workers` one-thread worker processes started as docs/operations.md starts workers, their
    pids): the stage modules preloaded, reporting to this process's embedded Prefect API; with `pin`, each held to
    a core of its own."""
    from distributed import LocalCluster
    from prefect.server.api.server import SubprocessASGIServer

    # Without PREFECT_API_URL at their start, each worker started a temporary Prefect server of its own on its core.
    os.environ["PREFECT_API_URL"] = SubprocessASGIServer().api_url
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        preload=["flows.dask_preload"],
    )
    with cluster.get_client() as client:
        if pin:
            pin_workers(client)
        return cluster, list(client.run(os.getpid).values())


def worker_times(pids: list[int]) -> tuple[float, float]:
    """(CPU seconds, seconds ready but waiting for a core) of these processes' threads, summed."""
    cpu = wait = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        cpu += times.user + times.system + times.children_user + times.children_system
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                wait += int(stat.read().split()[1]) / 1e9
    return cpu, wait
