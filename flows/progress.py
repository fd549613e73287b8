"""Running a stage task and telling the progress listener (tasks/stage_progress.py) when it starts and ends."""

from __future__ import annotations

from typing import Any

from tasks.stage_progress import listener
from tasks.stage_result import StageResult


def run_stage(stage: str, task: Any, *args: Any) -> Any:
    """Run one stage task on the flow's task runner, telling the listener when it starts and what it produced."""
    hears = listener()
    hears.started(stage)
    summary = task.submit(*args).result()
    hears.finished(stage, summary.as_dict() if isinstance(summary, StageResult) else summary)
    return summary
