"""Quarantine: every rejected row kept with its stage, reason and score; every rejection reason in one place."""

from __future__ import annotations

import pandas as pd

from schemas import records as col


class Reason:
    """The fixed rejection reasons, by stage. Two families are open-ended: a GX expectation's `meta.reason`
    (the stored suites use `gx_<what>`) and `pii_<kind>` from the privacy gate."""

    # generate
    TEMPLATE_RENDER_ERROR = "template_render_error"
    LLM_REQUEST_FAILED = "llm_request_failed"
    LLM_TRUNCATED = "llm_truncated"
    LLM_NO_TOOL_CALL = "llm_no_tool_call"
    LLM_INVALID_RECORD = "llm_invalid_record"
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
