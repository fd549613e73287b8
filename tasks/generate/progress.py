"""A Prefect progress artifact that follows generation row by row (updated at most every 2% of rows)."""

from __future__ import annotations

import threading
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact


class GenerationProgress:
    def __init__(self, total: int):
        self.total = max(1, total)
        self.done = 0
        self.shown = 0.0
        self._lock = threading.Lock()
        self.artifact_id: UUID = create_progress_artifact(  # type: ignore[assignment]  # sync call returns the id
            progress=0.0, key="generation-progress", description="Rows generated"
        )

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            percent = 100.0 * self.done / self.total
            if percent - self.shown >= 2 or self.done == self.total:
                self.shown = percent
                update_progress_artifact(artifact_id=self.artifact_id, progress=percent)
