"""Row checks: each says of one row only keep (None) or drop with a reason, a score and a detail.
The runner applies them in order, quarantines each row under the first check it fails, and counts
passes and failures per check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from tasks.quarantine import empty_quarantine, to_quarantine


@dataclass(frozen=True)
class Rejection:
    reason: str
    detail: str
    score: float | None = None


# A check returns a Rejection to drop the row, or anything falsy (None, "", False) to keep it.
RowCheck = Callable[[dict[str, Any]], Any]


class BatchCheck(Protocol):
    """A row check that can also judge many rows at once (the code check runs its sandboxes side by side)."""

    def __call__(self, row: dict[str, Any]) -> Any: ...
    def many(self, rows: list[dict[str, Any]]) -> list[Any]: ...


def run_row_checks(
    frame: pd.DataFrame, checks: dict[str, RowCheck], stage: str = "verify"
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(kept rows, quarantined rows, {check: {"passed": n, "failed": n}}); a row meets later checks only if it
    passed earlier ones."""
    counts = {name: {"passed": 0, "failed": 0} for name in checks}
    rejected: dict[int, Rejection] = {}
    alive = list(zip(frame.index, frame.to_dict("records")))
    for name, check in checks.items():  # check by check, so a batched check sees every row it has to judge
        many = getattr(check, "many", None)
        verdicts = many([row for _, row in alive]) if many else [check(row) for _, row in alive]
        survivors = []
        for (index, row), verdict in zip(alive, verdicts):
            counts[name]["failed" if verdict else "passed"] += 1
            if verdict:
                rejected[index] = verdict
            else:
                survivors.append((index, row))
        alive = survivors
    rejected = {index: rejected[index] for index in frame.index if index in rejected}  # in row order
    if not rejected:
        return frame.reset_index(drop=True), empty_quarantine(), counts
    dropped = frame.loc[list(rejected)]
    quarantined = to_quarantine(
        dropped,
        stage,
        pd.Series([r.reason for r in rejected.values()], index=dropped.index),
        score=pd.Series([r.score for r in rejected.values()], index=dropped.index, dtype=float),
        detail=pd.Series([r.detail for r in rejected.values()], index=dropped.index),
    )
    return frame.drop(index=list(rejected)).reset_index(drop=True), quarantined, counts


def row_text(row: dict, record: RecordSchema = INSTRUCTION) -> str:
    """Every text the row holds (the record's text, json and messages columns)."""
    return record.all_text(row)
