"""Quarantine: every rejected row kept with its stage, reason and score."""

from __future__ import annotations

import pandas as pd

from schemas import records as col


def to_quarantine(
    rows: pd.DataFrame,
    stage: str,
    reason: str | pd.Series,
    *,
    score: pd.Series | float | None = None,
    duplicate_of: pd.Series | None = None,
    nearest_eval_id: pd.Series | None = None,
    detail: pd.Series | str | None = None,
) -> pd.DataFrame:
    """Rows annotated with why they were rejected, in the quarantine schema's columns."""
    out = rows.copy()
    for name in col.ROW_SCHEMA.names:
        if name not in out.columns:
            out[name] = None
    out[col.STAGE] = stage
    out[col.REASON] = reason
    out[col.SCORE] = score
    out[col.DUPLICATE_OF] = duplicate_of
    out[col.NEAREST_EVAL_ID] = nearest_eval_id
    out[col.DETAIL] = detail
    return out[col.QUARANTINE_SCHEMA.names].reset_index(drop=True)


def empty_quarantine() -> pd.DataFrame:
    return col.QUARANTINE_SCHEMA.empty_table().to_pandas()


def count_reasons(quarantine: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in quarantine[col.REASON].value_counts().sort_index().items()}
