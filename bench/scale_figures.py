"""The figures bench/scale.py keeps of its builds: each build's task steps as the Prefect API recorded them, the
scaling ratios between sizes, and the Dask runs' medians with the layout of bench/results/scale.json."""

from __future__ import annotations

import statistics
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def task_steps() -> dict[str, dict[str, float]]:
    """Per task (generate-shard, blend-plan, ...): how many runs, and their seconds summed and at most, as the
    Prefect API recorded them: which steps of a stage run one at a time, and for how long."""
    from prefect.client.orchestration import get_client
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=10)
    steps: dict[str, list[float]] = {}
    with get_client(sync_client=True) as client:
        offset = 0
        while runs := client.read_task_runs(offset=offset, limit=200):
            for run in runs:
                steps.setdefault(run.name.rsplit("-", 1)[0], []).append(run.total_run_time.total_seconds())
            offset += len(runs)
    return {
        name: {"runs": len(seconds), "seconds": round(sum(seconds), 2), "longest": round(max(seconds), 2)}
        for name, seconds in sorted(steps.items())
    }


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def ratios(builds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage, time ratio over row ratio between consecutive sizes (1.0 is linear)."""
    out = []
    for small, large in zip(builds, builds[1:]):
        factor = large["rows"] / small["rows"]
        per_stage = {
            stage: round(large["stage_seconds"][stage] / max(seconds, 0.01) / factor, 2)
            for stage, seconds in small["stage_seconds"].items()
        }
        out.append({"rows": [small["rows"], large["rows"]], "time_ratio_per_row_ratio": per_stage})
    return out


def dask_medians(dask: list[dict[str, Any]]) -> dict[str, Any]:
    """Per worker count, the median seconds of the whole build and of each stage over its runs; per stage, the
    ratio of the 1-worker median to the 2-worker one."""
    medians = {}
    for workers in sorted({build["dask_workers"] for build in dask}):
        runs = [build for build in dask if build["dask_workers"] == workers]
        medians[workers] = {
            "runs": len(runs),
            "seconds": statistics.median(build["seconds"] for build in runs),
            "stage_seconds": {
                stage: round(statistics.median(build["stage_seconds"][stage] for build in runs), 2)
                for stage in runs[0]["stage_seconds"]
            },
        }
    if {1, 2} <= medians.keys():
        one, two = medians[1], medians[2]
        medians["ratio_1_to_2_workers"] = {
            "build": round(one["seconds"] / two["seconds"], 2),
            **{
                stage: round(seconds / max(two["stage_seconds"][stage], 0.01), 2)
                for stage, seconds in one["stage_seconds"].items()
            },
        }
    return {str(key): value for key, value in medians.items()}


def replaced_dask_runs(earlier: dict[str, Any], dask: list[dict[str, Any]], at: str, command: str) -> dict[str, Any]:
    """This run's Dask builds, their medians, commit and command; the standing ones move to `dask_earlier`, a
    list of {commit, command, note, runs}, newest last."""
    kept = earlier.get("dask_earlier", [])
    kept = [kept] if isinstance(kept, dict) else kept
    if earlier.get("dask"):
        standing = {"commit": earlier.get("dask_commit"), "command": earlier.get("dask_command")}
        kept = [*kept, {**standing, "note": earlier.get("dask_note"), "runs": earlier["dask"]}]
    return {
        "dask": dask,
        "dask_medians": dask_medians(dask),
        "dask_commit": at,
        "dask_command": command,
        "dask_note": None,
        "dask_earlier": kept,
    }
