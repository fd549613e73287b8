"""LLM judges: each scores every row on the rubric (1-5 per criterion) through a forced tool call.

A row is accepted when the judges' mean clears the threshold, rejected when it falls short, and sent to
human review when a judge could not score it, when judges disagree, or when the mean sits near the threshold.
"""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pandas as pd

from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from schemas.spec import Judge, Judging
from tasks.llm.costs import Ledger
from tasks.llm.engine import run_judge_calls
from tasks.llm.request_cache import RequestCache
from tasks.llm.tool_calls import tool_input

TOOL_NAME = "score_record"
ACCEPT, REJECT, REVIEW = "accept", "reject", "review"


def judge_tool_schema(rubric: list[str]) -> dict:
    criteria = {c: {"type": "integer", "minimum": 1, "maximum": 5} for c in rubric}
    return {
        "type": "object",
        "properties": {**criteria, "rationale": {"type": "string"}},
        "required": [*rubric, "rationale"],
    }


def build_judge_request(judge: Judge, judging: Judging, row: dict, record: RecordSchema = INSTRUCTION) -> dict:
    """One judge's request for one row: the rubric in the system prompt, the record's judged columns as JSON."""
    shown = record.judged_record(row)
    kind = "an instruction-tuning" if record.name == "instruction" else f"a {record.name}"
    return {
        "model": judge.model,
        "max_tokens": judging.max_tokens,
        "system": f"You grade training records for {kind} dataset. "
        "Score each criterion from 1 (unusable) "
        f"to 5 (excellent): {', '.join(judging.rubric)}. Policy means safe, lawful and free of personal data.",
        "messages": [{"role": "user", "content": json.dumps(shown, ensure_ascii=False)}],
        "tools": [
            {"name": TOOL_NAME, "description": "Record the scores.", "input_schema": judge_tool_schema(judging.rubric)}
        ],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
    }


def parse_judgement(message: dict, rubric: list[str]) -> float | None:
    """The mean rubric score of a reply, or None when the reply holds no usable scores."""
    scores = tool_input(message, TOOL_NAME)
    if scores is None or message.get("stop_reason") == "max_tokens":
        return None
    values = [v for v in (scores.get(c) for c in rubric) if isinstance(v, int) and 1 <= v <= 5]
    if len(values) != len(rubric):
        return None
    return float(np.mean(values))


def score_rows(
    frame: pd.DataFrame,
    judging: Judging,
    cache: RequestCache | None = None,
    client=None,
    record: RecordSchema = INSTRUCTION,
) -> tuple[pd.DataFrame, dict]:
    """One column per judge of mean rubric scores (NaN where a call failed or its reply was unusable), and
    what the calls cost. Calls go through the engine: request cache, rate limit, retries, cost ledger."""
    rows = frame.to_dict("records")
    jobs = [(build_judge_request(judge, judging, row, record), None) for judge in judging.judges for row in rows]
    ledger = Ledger(dict(judging.prices))
    results, summary = asyncio.run(run_judge_calls(jobs, judging, cache, ledger, client))
    values = [parse_judgement(r.message, judging.rubric) if r.message is not None else None for r in results]
    scores = (
        np.array(values, dtype=float).reshape(len(judging.judges), len(rows)).T
        if rows
        else np.zeros((0, len(judging.judges)))
    )
    return pd.DataFrame(scores, columns=[j.name for j in judging.judges], index=frame.index), summary


def decide(scores: pd.DataFrame, judging: Judging) -> pd.DataFrame:
    """decision (accept / reject / review), mean score and disagreement (max - min) per row."""
    mean = scores.mean(axis=1, skipna=False)
    disagreement = scores.max(axis=1) - scores.min(axis=1)
    review = (
        scores.isna().any(axis=1)
        | (disagreement > judging.max_disagreement)
        | ((mean - judging.threshold).abs() < judging.band)
    )
    decision = np.where(review, REVIEW, np.where(mean >= judging.threshold, ACCEPT, REJECT))
    return pd.DataFrame({"decision": decision, "mean": mean, "disagreement": disagreement}, index=scores.index)
