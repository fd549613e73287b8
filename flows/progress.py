"""Stage progress as a build runs: a no-op by default; the command line shows it with rich."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Protocol


class StageListener(Protocol):
    def started(self, stage: str) -> None: ...
    def finished(self, stage: str, summary: dict) -> None: ...


class _Silent:
    def started(self, stage: str) -> None:
        pass

    def finished(self, stage: str, summary: dict) -> None:
        pass


LISTENER: ContextVar[StageListener] = ContextVar("synthfactory_stage_listener", default=_Silent())


@contextmanager
def listening(listener: StageListener) -> Iterator[None]:
    token = LISTENER.set(listener)
    try:
        yield
    finally:
        LISTENER.reset(token)


def run_stage(stage: str, task, *args) -> dict:
    """Run one stage task, telling the listener when it starts and what it produced."""
    LISTENER.get().started(stage)
    summary = task(*args)
    LISTENER.get().finished(stage, summary)
    return summary
