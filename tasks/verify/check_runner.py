"""Row checks: each says of one row only keep (None) or drop with a reason, a score and a detail.
The runner applies them in order, quarantines each row under the first check it fails, and counts
passes and failures per check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from schemas import records as col
from tasks.quarantine import empty_quarantine, to_quarantine


@dataclass(frozen=True)
class Rejection:
    reason: str
    detail: str
    score: float | None = None


# A check returns a Rejection to drop the row, or anything falsy (None, "", False) to keep it.
RowCheck = Callable[[dict[str, Any]], Any]


def run_row_checks(
    frame: pd.DataFrame, checks: dict[str, RowCheck], stage: str = "verify"
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(kept rows, quarantined rows, {check: {"passed": n, "failed": n}}); a row meets later checks only if it
    passed earlier ones."""
    counts = {name: {"passed": 0, "failed": 0} for name in checks}
    rejected: dict[int, Rejection] = {}
    for index, row in zip(frame.index, frame.to_dict("records")):
        for name, check in checks.items():
            verdict = check(row)
            counts[name]["failed" if verdict else "passed"] += 1
            if verdict:
                rejected[index] = verdict
                break
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


def row_text(row: dict) -> str:
    return "\n".join(str(row.get(c) or "") for c in col.TEXT_COLUMNS)
