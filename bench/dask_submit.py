"""What sending task runs to Dask workers costs, with the settings built once per worker (flows/dask_runner.py)
and, as before, validated again by each worker for every task run from the flow's serialized form: the generate
stage alone through Prefect (flows/progress.py's run_sharded over generate_shard and generate_stage, as
build_stages runs them) on 1 and on 2 pinned one-thread workers, the four alternating `--repeats` times. Per run:
the stage's seconds, the flow process's and the workers' CPU seconds while it ran; the medians, and the
1-to-2-worker ratio of each runner's medians.

Rows: bench/scale.py's wide spec (template backend), each run in a fresh work folder with a fresh request cache, so no
run reads another's shards.
Usage: python bench/dask_submit.py [ROWS] [--repeats N]   (JSON on stdout)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from prefect.context import SettingsContext  # noqa: E402

from bench.dask_workers import start_cluster, worker_times  # noqa: E402
from bench.scale import wide_spec  # noqa: E402
from flows.dask_runner import FreshKeyDaskTaskRunner  # noqa: E402


class SerializedOnce(FreshKeyDaskTaskRunner):
    """The runner before (2926d06): Prefect's serialized dict, which every worker validates into a new Settings model
    for each task run."""

    @staticmethod
    def for_workers(context: SettingsContext) -> dict[str, Any]:
        return context.serialize()


MEASURES = ("seconds", "flow_cpu_seconds", "worker_cpu_seconds")
RUNNERS = {"built_once": FreshKeyDaskTaskRunner, "serialized_once": SerializedOnce}


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_generate(spec_path: Path, runner: str, workers: int) -> dict:
    """The generate stage on `workers` pinned workers: its seconds, the flow process's and the workers' CPU seconds,
    its rows."""
    from prefect import flow

    from flows.progress import run_sharded
    from schemas.spec import load_spec
    from tasks.stage_shards import generate_shard, generate_shards
    from tasks.stages import generate_stage

    spec = load_spec(str(spec_path))
    cluster, pids = start_cluster(workers, pin=True)

    @flow(task_runner=RUNNERS[runner](address=cluster.scheduler_address))
    def generate_alone(work: str, cache: str) -> dict:
        started, cpu, workers_cpu = time.perf_counter(), own_cpu(), worker_times(pids)[0]
        summary = run_sharded("generate", generate_shard, generate_shards(spec), (spec, work, "bench", cache),
                              generate_stage, spec, work)  # fmt: skip
        seconds, cpu = time.perf_counter() - started, own_cpu() - cpu
        workers_cpu = worker_times(pids)[0] - workers_cpu
        return {"seconds": round(seconds, 2), "flow_cpu_seconds": round(cpu, 2),
                "worker_cpu_seconds": round(workers_cpu, 2), "rows_out": summary.rows_out}  # fmt: skip

    try:
        folder = Path(tempfile.mkdtemp(prefix="dask-submit-"))
        return generate_alone(str(folder / "work"), str(folder / "requests.sqlite"))
    finally:
        cluster.close()


def main() -> None:
    from flows.embedded_api import start_embedded_api

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    spec_path = wide_spec(args.rows, Path(tempfile.mkdtemp(prefix="dask-submit-spec-")))
    start_embedded_api()
    runs: dict[str, list[dict]] = {f"{r}_{w}": [] for r in RUNNERS for w in (1, 2)}
    for _ in range(args.repeats):
        for workers in (1, 2):
            for runner in RUNNERS:
                runs[f"{runner}_{workers}"].append(timed_generate(spec_path, runner, workers))
    outputs = {json.dumps(run["rows_out"], sort_keys=True) for taken in runs.values() for run in taken}
    medians = {key: {m: statistics.median(run[m] for run in taken) for m in MEASURES} for key, taken in runs.items()}
    print(
        json.dumps(
            {
                "rows": args.rows,
                "runs": runs,
                "medians": medians,
                "ratio_1_to_2_workers": {
                    r: round(medians[f"{r}_1"]["seconds"] / medians[f"{r}_2"]["seconds"], 3) for r in RUNNERS
                },
                "same_rows_every_run": len(outputs) == 1,
            }
        )
    )


if __name__ == "__main__":
    main()
