"""How a build scales with its rows: the demo spec widened so rows stay distinct (template backend), built at each
size in a fresh process on an embedded Prefect, with seconds per stage, rows per second, peak RSS, and Prefect's
own cost measured apart (an empty flow, and no-op task runs as many as the build had); then one size on a Dask
LocalCluster with 1 and 2 workers. Writes bench/results/scale.json.

Usage: python bench/scale.py [--sizes 10000,100000] [--dask-size 100000] [--dask-repeats 3] [--shard-rows 5000]
[--pin] [--add] [--overhead]
(--add keeps the builds already in the results file and adds these; --overhead only measures Prefect's cost again;
--pin holds each Dask worker, its threads and its children, to one core of its own: on a 2-core machine one worker
otherwise spreads its sandboxes and encoder threads over both cores, so a second worker has no core to add.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dask_workers import start_cluster, worker_times  # noqa: E402
from bench.scale_figures import commit, ratios, replaced_dask_runs, task_steps  # noqa: E402

DEMO = ROOT / "deployments" / "specs" / "demo.yaml"
RESULTS = ROOT / "bench" / "results" / "scale.json"


def wide_spec(rows: int, folder: Path) -> Path:
    """The demo spec with wide samplers (every name, numbers up to 5,000, two centuries of dates), so duplicates
    are the templates' own (counting seed rows) rather than a narrow sampler's; real rows stay the 175 seeds."""
    spec = yaml.safe_load(DEMO.read_text())
    spec["seed_data"]["path"] = str((DEMO.parent / spec["seed_data"]["path"]).resolve())
    for eval_set in spec["eval_sets"]:
        eval_set["path"] = str((DEMO.parent / eval_set["path"]).resolve())
    samplers = spec["generator"]["samplers"]
    samplers["name"] = {"type": "person_name"}
    samplers["a"] = {"type": "integer", "min": 2, "max": 5000}
    samplers["b"] = {"type": "integer", "min": 2, "max": 5000}
    samplers["day"] = {"type": "date", "start": "1900-01-01", "end": "2099-12-31"}
    spec["generator"]["rows"] = rows
    spec["blend"]["max_synthetic_share"] = 0.99  # publish handles nearly every row, not a capped few hundred
    path = folder / f"wide-{rows}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


class StageClock:
    """A progress listener that notes when each stage starts and ends."""

    def __init__(self) -> None:
        self.started_at: dict[str, float] = {}
        self.seconds: dict[str, float] = {}
        self.rows_in: dict[str, int] = {}
        self.peak_rss_mb: dict[str, int] = {}  # the process's peak so far when each stage ends: which stage raised it
        self.cpu_at: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}  # this process's and its children's: what others' load cannot inflate
        # the highest RSS sampled while each stage ran: a stage's own need, which the running peak hides when an
        # earlier stage needed more
        self.rss_in_stage_mb: dict[str, int] = {}
        self._stage: str | None = None
        # Dask workers' CPU and run-queue seconds per stage, and their threads (bench/dask_workers.py)
        self.workers: list[int] = []
        self.worker_at: dict[str, tuple[float, float]] = {}
        self.worker_cpu_seconds: dict[str, float] = {}
        self.worker_wait_seconds: dict[str, float] = {}
        self.worker_threads: dict[str, int] = {}
        threading.Thread(target=self._sample_rss, daemon=True).start()

    def _sample_rss(self) -> None:
        import psutil

        process = psutil.Process()
        while True:
            stage = self._stage
            if stage is not None:
                rss = process.memory_info().rss // 2**20
                self.rss_in_stage_mb[stage] = max(self.rss_in_stage_mb.get(stage, 0), rss)
            time.sleep(0.05)

    def started(self, stage: str) -> None:
        self.started_at[stage] = time.perf_counter()
        self.cpu_at[stage] = cpu_seconds()
        self.worker_at[stage] = worker_times(self.workers)
        self._stage = stage

    def advanced(self, stage: str, done: int, total: int, llm: dict[str, Any]) -> None:
        pass

    def finished(self, stage: str, summary: dict[str, Any]) -> None:
        self.seconds[stage] = round(time.perf_counter() - self.started_at[stage], 2)
        self.rows_in[stage] = summary.get("rows_in", 0)
        self.peak_rss_mb[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        self.cpu_seconds[stage] = round(cpu_seconds() - self.cpu_at[stage], 1)
        if self.workers:
            now, then = worker_times(self.workers), self.worker_at[stage]
            self.worker_cpu_seconds[stage], self.worker_wait_seconds[stage] = (
                round(a - b, 1) for a, b in zip(now, then)
            )
            self.worker_threads[stage] = max(len(os.listdir(f"/proc/{pid}/task")) for pid in self.workers)
        self._stage = None


def cpu_seconds() -> float:
    """User and system CPU time of this process and the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prefect_overhead(task_runs: int) -> dict[str, float]:
    """Prefect's cost alone: an empty flow run, and a flow mapping a no-op task `task_runs` times."""
    from prefect import flow, task

    @task
    def noop(value: int) -> int:
        return value

    @flow
    def empty() -> None:
        return None

    @flow
    def mapped(count: int) -> int:
        return len(noop.map(list(range(count))).result())

    empty()  # the first flow run of a process also pays for the client and the API's first answers
    start = time.perf_counter()
    empty()
    empty_seconds = time.perf_counter() - start
    mapped(0)
    start = time.perf_counter()
    mapped(task_runs)
    mapped_seconds = time.perf_counter() - start - empty_seconds
    return {
        "empty_flow_s": round(empty_seconds, 2),
        "task_runs": task_runs,
        "ms_per_task_run": round(1000 * mapped_seconds / max(task_runs, 1), 1),
        "estimated_s": round(empty_seconds * 2 + mapped_seconds, 2),  # the build is a flow and its subflow
    }


def remeasure_overhead() -> None:
    """Prefect's cost for each build in the results file, measured again on an embedded Prefect."""
    from flows.embedded_api import start_embedded_api

    start_embedded_api()
    results = json.loads(RESULTS.read_text())
    for build in results["builds"] + results["dask"]:
        build["prefect_overhead"] = prefect_overhead(build["prefect_overhead"]["task_runs"])
        print(build["rows"], build["dask_workers"], build["prefect_overhead"], flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def one_build(rows: int, shard_rows: int, dask_workers: int, pin: bool = False) -> dict[str, Any]:
    """One build in this process; its figures."""
    from flows.build import build_dataset
    from flows.embedded_api import start_embedded_api
    from tasks.embeddings.row_vectors import EMBED_ROWS
    from tasks.shards import shard_ranges
    from tasks.stage_progress import listening

    folder = Path(tempfile.mkdtemp(prefix="scale-"))
    spec = wide_spec(rows, folder)
    overrides: dict[str, Any] = {"orchestration.shard_rows": shard_rows}
    cluster, workers = None, []
    start_embedded_api()
    if dask_workers:
        cluster, workers = start_cluster(dask_workers, pin)
        os.environ["SYNTHFACTORY_DASK_ADDRESS"] = cluster.scheduler_address
        overrides["orchestration.task_runner"] = "dask"
    clock = StageClock()
    clock.workers = workers
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with listening(clock):
        result = build_dataset(str(spec), str(folder / "data"), overrides)
    total = time.perf_counter() - start
    if cluster is not None:
        cluster.close()
    shards = len(shard_ranges(rows, shard_rows))
    # generate, verify, decontaminate and embed shards (synthetic and real), plus one task per stage and step.
    task_runs = 3 * shards + 1 + len(shard_ranges(rows, EMBED_ROWS)) + 1 + 9
    return {
        "rows": rows,
        "shard_rows": shard_rows,
        "dask_workers": dask_workers,
        "workers_pinned_to_a_core": pin,
        "seconds": round(total, 1),
        "rows_per_second": round(rows / total, 1),
        "stage_seconds": clock.seconds,
        "stage_cpu_seconds": clock.cpu_seconds,
        "worker_cpu_seconds": clock.worker_cpu_seconds,
        "worker_run_queue_wait_seconds": clock.worker_wait_seconds,
        "worker_threads_at_stage_end": clock.worker_threads,
        "stage_rows_in": clock.rows_in,
        "peak_rss_mb_after_stage": clock.peak_rss_mb,
        "rss_mb_in_stage": clock.rss_in_stage_mb,  # sampled every 50 ms while the stage ran
        "unannounced_seconds": round(total - sum(clock.seconds.values()), 1),  # spec, lock, eval index, report
        "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],  # before, after: others' work
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "peak_rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024,
        "published": result["counts"]["published"],
        "quarantined": result["counts"]["quarantined"]["by_reason"],
        "task_steps": task_steps(),  # before prefect_overhead's own task runs
        "prefect_overhead": prefect_overhead(task_runs),
    }


def run_isolated(rows: int, shard_rows: int, dask_workers: int, pin: bool = False) -> dict[str, Any]:
    """one_build in a fresh interpreter (its own peak RSS, its own Prefect home)."""
    env = {**os.environ, "PREFECT_HOME": tempfile.mkdtemp(prefix="scale-prefect-"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, __file__, "--one", str(rows), "--shard-rows", str(shard_rows)]
    done = subprocess.run(
        [*command, "--dask-workers", str(dask_workers), *(["--pin"] if pin else [])],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise RuntimeError(f"build of {rows} rows failed:\n{done.stderr[-3000:]}")
    figures = json.loads(lines[-1])
    print(json.dumps(figures), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dask-size", type=int, default=100000)
    parser.add_argument("--shard-rows", type=int, default=5000)
    parser.add_argument("--one", type=int)
    parser.add_argument("--dask-workers", type=int, default=0)
    parser.add_argument("--add", action="store_true")
    parser.add_argument("--pin", action="store_true", help="each Dask worker on a core of its own")
    parser.add_argument("--dask-repeats", type=int, default=1, help="1 then 2 workers, this many times; medians")
    parser.add_argument("--overhead", action="store_true", help="only measure Prefect's cost again")
    args = parser.parse_args()
    if args.overhead:
        remeasure_overhead()
        return
    if args.one:
        print(json.dumps(one_build(args.one, args.shard_rows, args.dask_workers, args.pin)), flush=True)
        return
    earlier = json.loads(RESULTS.read_text()) if args.add and RESULTS.exists() else {"builds": [], "dask": []}
    builds = [run_isolated(int(size), args.shard_rows, 0) for size in args.sizes.split(",") if size]
    dask = [
        run_isolated(args.dask_size, args.shard_rows, workers, args.pin)
        for _ in range(args.dask_repeats if args.dask_size else 0)
        for workers in (1, 2)
    ]
    results = {
        **earlier,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "spec": "deployments/specs/demo.yaml widened (bench/scale.py wide_spec), template backend",
        "builds": sorted(earlier["builds"] + builds, key=lambda b: b["rows"]),
    }
    results["scaling"] = ratios(results["builds"])
    if dask:
        results |= replaced_dask_runs(earlier, dask, commit(), "python " + " ".join(sys.argv))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
