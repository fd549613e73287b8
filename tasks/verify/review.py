"""Judging and human review: recorded human verdicts first, then the judges; unsure rows go to a review queue.

Input columns: row schema.  Output columns: row schema with judge_score; the review queue adds each judge's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from schemas import records as col
from schemas.spec import Spec
from tasks.quarantine import Reason, empty_quarantine, to_quarantine
from tasks.tables import read_table, require_column
from tasks.verify.judges import ACCEPT, REJECT, REVIEW, decide, score_rows

VERDICTS = ("accept", "reject")


@dataclass
class ReviewOutcome:
    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    queue: pd.DataFrame
    stats: dict = field(default_factory=dict)


def load_human_verdicts(path) -> pd.DataFrame:
    """id, verdict (accept or reject), reviewer: one row per reviewed id, the last verdict winning."""
    verdicts = read_table(path)
    for column in (col.ID, "verdict", "reviewer"):
        require_column(verdicts, column, path)
    unknown = set(verdicts["verdict"]) - set(VERDICTS)
    if unknown:
        raise ValueError(f"{path}: verdict must be accept or reject, got {sorted(unknown)}")
    return verdicts.drop_duplicates(col.ID, keep="last").set_index(col.ID)


def review_rows(frame: pd.DataFrame, spec: Spec, client=None, cache=None) -> ReviewOutcome:
    """Apply human verdicts, then the spec's judges; returns kept rows, quarantined rows and the review queue."""
    frame = frame.reset_index(drop=True)
    verdicts = (
        load_human_verdicts(spec.gates.human_verdicts)
        if spec.gates.human_verdicts
        else pd.DataFrame(columns=["verdict", "reviewer"])
    )
    human = (
        frame[col.ID].map(verdicts["verdict"]) if len(verdicts) else pd.Series(None, index=frame.index, dtype=object)
    )
    rejected = frame[human == "reject"]
    quarantined = [
        to_quarantine(
            rejected,
            "verify",
            Reason.HUMAN_REJECTED,
            detail="rejected by " + rejected[col.ID].map(verdicts["reviewer"]).astype(str),
        )
    ]
    stats: dict[str, Any] = {"human_accepted": int((human == "accept").sum()), "human_rejected": len(rejected)}
    to_judge = frame[human.isna()]
    judging = spec.gates.judging
    if judging is None or to_judge.empty:
        kept = frame[human != "reject"]
        return ReviewOutcome(
            kept.reset_index(drop=True), pd.concat(quarantined, ignore_index=True), empty_quarantine(), stats
        )
    scores, stats["llm"] = score_rows(to_judge, judging, cache, client, spec.record_schema)
    verdict = decide(scores, judging)
    judged = to_judge.assign(**{col.JUDGE_SCORE: verdict["mean"]})
    for decision, reason in ((REJECT, Reason.JUDGE_LOW_SCORE), (REVIEW, Reason.NEEDS_HUMAN_REVIEW)):
        rows = judged[verdict["decision"] == decision]
        detail = (
            scores.loc[rows.index].apply(lambda r: ", ".join(f"{k}={v:.2f}" for k, v in r.items()), axis=1)
            if len(rows)
            else None
        )
        quarantined.append(to_quarantine(rows, "verify", reason, score=rows[col.JUDGE_SCORE], detail=detail))
    waiting = judged[verdict["decision"] == REVIEW]
    queue = waiting.join(scores.add_prefix("judge_")).assign(
        disagreement=verdict.loc[waiting.index, "disagreement"].to_numpy()
    )
    kept = pd.concat([frame[human == "accept"], judged[verdict["decision"] == ACCEPT]]).sort_index()
    stats.update({k: int((verdict["decision"] == k).sum()) for k in (ACCEPT, REJECT, REVIEW)})
    stats["judged"] = len(judged)
    stats["mean_disagreement"] = round(float(verdict["disagreement"].mean()), 3) if len(judged) else None
    return ReviewOutcome(
        kept.reset_index(drop=True), pd.concat(quarantined, ignore_index=True), queue.reset_index(drop=True), stats
    )
