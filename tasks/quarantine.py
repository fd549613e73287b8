"""Quarantine: every rejected row kept with its stage, reason and score; every rejection reason in one place."""

from __future__ import annotations

import pandas as pd

from schemas import records as col
from schemas.record_schema import field_text

BASE_COLUMNS, QUARANTINE_COLUMNS = col.BASE_COLUMNS, col.QUARANTINE_COLUMNS


class Reason:
    """The fixed rejection reasons, by stage. Two families are open-ended: a GX expectation's `meta.reason`
    (the stored suites use `gx_<what>`) and `pii_<kind>` from the privacy gate."""

    # generate
    TEMPLATE_RENDER_ERROR = "template_render_error"
    LLM_REQUEST_FAILED = "llm_request_failed"
    LLM_TRUNCATED = "llm_truncated"
    LLM_NO_TOOL_CALL = "llm_no_tool_call"
    LLM_INVALID_RECORD = "llm_invalid_record"
    # verify: the record's own gates (schemas/record_derived.py)
    CATEGORY_NOT_ALLOWED = "category_not_allowed"
    JSON_NOT_VALID = "json_not_valid"
    JSON_SCHEMA_VIOLATION = "json_schema_violation"
    # verify
    REFUSAL = "refusal_boilerplate"
    FORBIDDEN_STRING = "forbidden_string"
    OUTPUT_NOT_VALID_JSON = "output_not_valid_json"
    ARITHMETIC_WRONG = "arithmetic_wrong"
    CODE_MISSING = "code_missing"
    CODE_FAILED = "code_failed"
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"
    MEMORISED_SEED_SPAN = "memorised_seed_span"
    HUMAN_REJECTED = "human_rejected"
    JUDGE_LOW_SCORE = "judge_low_score"
    NEEDS_HUMAN_REVIEW = "needs_human_review"
    # dedup
    EXACT_DUPLICATE = "exact_duplicate"
    LEXICAL_NEAR_DUPLICATE = "lexical_near_duplicate"
    NEAR_DUPLICATE = "near_duplicate"
    CLUSTER_CAP = "cluster_cap"
    # decontaminate
    EVAL_CONTAMINATION = "eval_contamination"
    # blend
    BLEND_SHARE_CAP = "blend_share_cap"

    @staticmethod
    def pii(kind: str) -> str:
        return f"pii_{kind}"


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
    """Rows annotated with why they were rejected: their record columns (whatever the record), every provenance
    column, and the quarantine's; writing with the record's quarantine schema drops any other column."""
    out = rows.copy()
    for name in BASE_COLUMNS:
        if name not in out.columns:
            out[name] = None
    out[col.STAGE] = stage
    out[col.REASON] = reason
    out[col.SCORE] = score
    out[col.DUPLICATE_OF] = duplicate_of
    out[col.NEAREST_EVAL_ID] = nearest_eval_id
    out[col.DETAIL] = detail
    record_columns = [c for c in out.columns if c not in BASE_COLUMNS and c not in QUARANTINE_COLUMNS]
    return out[[col.ID, *record_columns, *BASE_COLUMNS[1:], *QUARANTINE_COLUMNS]].reset_index(drop=True)


def empty_quarantine() -> pd.DataFrame:
    """No rejected rows; writing it with a record's quarantine schema adds the record's columns."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in (*BASE_COLUMNS, *QUARANTINE_COLUMNS)})


def count_reasons(quarantine: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in quarantine[col.REASON].value_counts().sort_index().items()}


def row_headline(row: dict) -> str:
    """A row's first record column as text (a chat's user turns), for reports that do not know the record."""
    first = next((c for c in row if c not in BASE_COLUMNS and c not in QUARANTINE_COLUMNS), None)
    value = row.get(first) if first else None
    return field_text(value, "messages" if isinstance(value, (list, tuple)) or hasattr(value, "tolist") else "text")
