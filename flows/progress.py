"""Running a stage task, or a stage's shard tasks and then its merge, and telling the progress listener
(tasks/stage_progress.py) when the stage starts and ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import unmapped

from tasks.allocator import release_free_memory
from tasks.stage_progress import listener
from tasks.stage_result import StageResult


def run_stage(stage: str, task: Any, *args: Any) -> Any:
    """Run one stage task on the flow's task runner, telling the listener when it starts and what it produced."""
    hears = listener()
    hears.started(stage)
    summary = task.submit(*args).result()
    release_free_memory()  # what the stage's thread freed, for the next stage's thread (tasks/allocator.py)
    hears.finished(stage, summary.as_dict() if isinstance(summary, StageResult) else summary)
    return summary


def run_sharded(stage: str, shard_task: Any, shards: list, shard_args: tuple, merge_task: Any, *merge_args: Any) -> Any:
    """Map shard_task(*shard_args, shard) over shards on the flow's task runner, then run
    merge_task(*merge_args, shard results); the listener hears of the stage as one."""
    hears = listener()
    hears.started(stage)
    parts = shard_task.map(*(unmapped(arg) for arg in shard_args), shards).result()
    summary = merge_task.submit(*merge_args, parts).result()
    release_free_memory()
    hears.finished(stage, summary.as_dict())
    return summary


def run_steps(stage: str, steps: Callable[[], StageResult]) -> StageResult:
    """Run a stage made of several task steps (steps() submits them and returns the last one's summary), telling
    the listener of the stage as one."""
    hears = listener()
    hears.started(stage)
    summary = steps()
    release_free_memory()
    hears.finished(stage, summary.as_dict())
    return summary


def run_mapped(stage: str, shard_task: Any, shards: list, *shard_args: Any) -> list[dict]:
    """Map shard_task(*shard_args, shard) over shards on the flow's task runner (each returns a dict with its
    `rows`); their results, in order. The listener hears of the stage as one."""
    hears = listener()
    hears.started(stage)
    results = shard_task.map(*(unmapped(arg) for arg in shard_args), shards).result()
    release_free_memory()
    rows = sum(result["rows"] for result in results)
    hears.finished(stage, {"stage": stage, "rows_in": rows, "rows_out": {stage: rows}, "quarantined": {}})
    return results
