"""An LLM judge for the borderline band of eval contamination (as lm-sys/llm-decontaminator does).

Rows whose decontamination score lies within `band` of the threshold, either side, and that are not n-gram
copies, are sent with their nearest eval item to a model that answers, through a forced tool call, whether
the row restates the item. Its answer decides those rows; a row the judge could not answer keeps the
embedding decision. Calls go through the engine (request cache, rate limit, retries, cost ledger).
"""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd

from schemas.spec_gates import ContaminationJudge
from tasks.llm.costs import Ledger
from tasks.llm.engine import run_judge_calls
from tasks.llm.tool_calls import tool_input

TOOL_NAME = "same_item"
SAME, DIFFERENT, UNAVAILABLE = "same", "different", "unavailable"
SYSTEM = (
    "You check training data for benchmark contamination. Decide whether the CANDIDATE restates the BENCHMARK ITEM: "
    "the same question or task, possibly reworded, reordered, translated, with names changed or its answer added. "
    "A different question on the same topic, or the same template with different numbers, is not the same item."
)
TOOL = {
    "name": TOOL_NAME,
    "description": "Record the decision.",
    "input_schema": {
        "type": "object",
        "properties": {"same": {"type": "boolean"}, "reason": {"type": "string"}},
        "required": ["same", "reason"],
    },
}


def judge_request(judge: ContaminationJudge, candidate: str, item: str) -> dict:
    return {
        "model": judge.model,
        "max_tokens": judge.max_tokens,
        "system": SYSTEM,
        "messages": [{"role": "user", "content": f"BENCHMARK ITEM:\n{item}\n\nCANDIDATE:\n{candidate}"}],
        "tools": [TOOL],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
    }


def parse_verdict(message: dict | None) -> str:
    same = (tool_input(message, TOOL_NAME) or {}).get("same")
    return {True: SAME, False: DIFFERENT}.get(same, UNAVAILABLE) if isinstance(same, bool) else UNAVAILABLE


def borderline(verdicts: pd.DataFrame, threshold: float, band: float, ngram_threshold: float) -> np.ndarray:
    """Rows the judge is asked about: near the threshold, with a nearest item, and not n-gram copies."""
    score = verdicts["score"].to_numpy(dtype=float)
    return (
        (np.abs(score - threshold) <= band)
        & verdicts["nearest_eval_id"].notna().to_numpy()
        & (verdicts["ngram_overlap"].to_numpy() < ngram_threshold)
    )


def judge_borderline(
    verdicts: pd.DataFrame,
    texts: list[str],
    items: dict[str, str],
    threshold: float,
    ngram_threshold: float,
    judge: ContaminationJudge,
    cache=None,
    client=None,
) -> tuple[pd.DataFrame, dict]:
    """The verdicts with the judge's decision applied to borderline rows and a `judge` column (same, different,
    unavailable, or None where not asked), and what the calls cost."""
    verdicts = verdicts.copy()
    verdicts["judge"] = None
    asked = np.flatnonzero(borderline(verdicts, threshold, judge.band, ngram_threshold))
    if not len(asked):
        return verdicts, {"asked": 0}
    jobs = [(judge_request(judge, texts[i], items[verdicts["nearest_eval_id"].iat[i]]), None) for i in asked]
    results, summary = asyncio.run(run_judge_calls(jobs, judge, cache, Ledger(dict(judge.prices)), client))
    answers = [parse_verdict(r.message) for r in results]
    column = verdicts.columns.get_loc("judge")
    for row, answer in zip(asked, answers):
        verdicts.iat[row, column] = answer
        if answer != UNAVAILABLE:
            verdicts.iat[row, verdicts.columns.get_loc("contaminated")] = answer == SAME
    verdicts["contaminated"] = verdicts["contaminated"].astype(bool)
    counts = {a: answers.count(a) for a in (SAME, DIFFERENT, UNAVAILABLE)}
    return verdicts, {"asked": len(asked), **counts, "llm": summary}
