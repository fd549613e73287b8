"""Who hears about a build's progress as it runs: nobody by default; the command line installs a listener that
draws it. Set in a context variable, which Prefect copies into the threads its tasks run in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol


class StageListener(Protocol):
    def started(self, stage: str) -> None: ...
    def advanced(self, stage: str, done: int, total: int, llm: dict[str, Any]) -> None: ...
    def finished(self, stage: str, summary: dict[str, Any]) -> None: ...


class Silent:
    def started(self, stage: str) -> None:
        pass

    def advanced(self, stage: str, done: int, total: int, llm: dict[str, Any]) -> None:
        pass

    def finished(self, stage: str, summary: dict[str, Any]) -> None:
        pass


LISTENER: ContextVar[StageListener | None] = ContextVar("synthfactory_stage_listener", default=None)


def listener() -> StageListener:
    return LISTENER.get() or Silent()


@contextmanager
def listening(to: StageListener) -> Iterator[None]:
    token = LISTENER.set(to)
    try:
        yield
    finally:
        LISTENER.reset(token)
