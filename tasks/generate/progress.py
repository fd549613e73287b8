"""Generation progress row by row: a Prefect progress artifact (updated at most every 2% of rows) and the build's
progress listener (every row, with the LLM's requests, tokens and cost so far)."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from tasks.stage_progress import listener


class GenerationProgress:
    def __init__(self, total: int):
        self.total = max(1, total)
        self.done = 0
        self.shown = 0.0
        self.listener = listener()  # read here: the LLM's callbacks may run where the context is not set
        self._lock = threading.Lock()
        self.artifact_id: UUID = create_progress_artifact(  # type: ignore[assignment]  # sync call returns the id
            progress=0.0, key="generation-progress", description="Rows generated"
        )

    def advance(self, llm: dict[str, Any] | None = None) -> None:
        with self._lock:
            self.done += 1
            self.listener.advanced("generate", self.done, self.total, llm or {})
            percent = 100.0 * self.done / self.total
            if percent - self.shown >= 2 or self.done == self.total:
                self.shown = percent
                update_progress_artifact(artifact_id=self.artifact_id, progress=percent)
