"""Stage progress as a build runs: a no-op by default; the command line shows it with rich."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

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


@contextmanager
def listening(listener: StageListener) -> Iterator[None]:
    token = LISTENER.set(listener)
    try:
        yield
    finally:
        LISTENER.reset(token)


def run_stage(stage: str, task: Any, *args: Any) -> Any:
    """Run one stage task on the flow's task runner, telling the listener
    when it starts and what it produced."""
    listener = LISTENER.get() or SILENT
    listener.started(stage)
    summary = task.submit(*args).result()
    listener.finished(stage, summary.as_dict() if isinstance(summary, StageResult) else summary)
    return summary
