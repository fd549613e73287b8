"""Stage progress as a build runs: a no-op by default; the command line shows it with rich."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from prefect.task_runners import TaskRunner

from tasks.stage_result import StageResult


class StageListener(Protocol):
    def started(self, stage: str) -> None: ...
    def finished(self, stage: str, summary: dict) -> None: ...


class _Silent:
    def started(self, stage: str) -> None:
        pass

    def finished(self, stage: str, summary: dict) -> None:
        pass


SILENT = _Silent()
LISTENER: ContextVar[StageListener | None] = ContextVar("synthfactory_stage_listener", default=None)
RUNNER: ContextVar[TaskRunner | None] = ContextVar("synthfactory_stage_runner", default=None)


@contextmanager
def listening(listener: StageListener) -> Iterator[None]:
    token = LISTENER.set(listener)
    try:
        yield
    finally:
        LISTENER.reset(token)


@contextmanager
def stage_runner(runner: TaskRunner | None) -> Iterator[None]:
    """Stages inside the block run on `runner` (a Dask cluster) instead of the flow's own threads."""
    if runner is None:
        yield
        return
    with runner:
        token = RUNNER.set(runner)
        try:
            yield
        finally:
            RUNNER.reset(token)


def run_stage(stage: str, task: Any, *args: Any) -> Any:
    """Run one stage task on the stage runner or the flow's task runner, telling the listener
    when it starts and what it produced."""
    listener = LISTENER.get() or SILENT
    listener.started(stage)
    runner = RUNNER.get()
    if runner is None:
        summary = task.submit(*args).result()
    else:
        summary = runner.submit(task, parameters=dict(inspect.signature(task.fn).bind(*args).arguments)).result()
    listener.finished(stage, summary.as_dict() if isinstance(summary, StageResult) else summary)
    return summary
