"""The Dask workers of a LocalCluster build (bench/scale.py): each held to a core of its own, and what their
processes spent: CPU seconds, and seconds their threads were ready to run but waited for a core (the kernel's
schedstat run delay), which tells a stage's own work from a core it shared."""

from __future__ import annotations

import os
import subprocess

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
