"""The evaluation section of a spec: the downstream test a version must pass before it becomes LATEST."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from schemas.spec_base import Strict

TEST_SET_EVAL_NAME = "evaluation_test_set"


class Evaluation(Strict):
    """After a version is assembled and before `LATEST` moves, models trained on the blend and on its real rows
    alone face a real held-out test set; `LATEST` moves only when the blend is not worse, within the tolerance.
    A refused version stays published, with the verdict in its manifest and card. See docs/evaluation.md."""

    test_set: Path
    """a real held-out test set (JSON Lines, CSV or Parquet), never a split of the published data"""
    text_field: str = "text"
    """the test set's text column"""
    label_field: str = "label"
    """the test set's label column (the proxy's target)"""
    id_field: str = "id"
    """the test set's id column"""
    register_as_eval_set: bool = Field(
        default=True,
        description=f"add the test set to eval_sets (as {TEST_SET_EVAL_NAME}) when no eval set names the same file, "
        "so decontamination keeps it out of the data",
    )
    train_text: list[Literal["instruction", "input", "output"]] = Field(
        default=["instruction", "input"], min_length=1, description="record columns joined as a training row's text"
    )
    train_label: Literal["category", "output"] = "category"
    """the record column holding a training row's label"""
    metric: Literal["accuracy", "macro_f1"] = "macro_f1"
    """the proxy's metric on the test set"""
    baseline: Literal["real_only"] = "real_only"
    """what the blend is compared with: the same model trained on the version's real training rows alone"""
    tolerance: float = Field(default=0.02, ge=0, le=1, description="how much worse than the baseline still promotes")
    rule: Literal["ci_lower_bound", "point_estimate"] = Field(
        default="ci_lower_bound",
        description="ci_lower_bound: promote when the low end of the difference's confidence interval is at least "
        "-tolerance; point_estimate: when the difference itself is",
    )
    confidence: float = Field(default=0.95, ge=0.5, lt=1)
    """the bootstrap confidence interval's level"""
    bootstrap_samples: int = Field(default=1000, ge=100, le=100_000)
    """paired resamples of the test set"""
    seed: int = 0
    """seed of the resamples and of the sweep's synthetic samples"""
    proxy: Literal["logistic_regression", "none"] = Field(
        default="logistic_regression",
        description="logistic_regression on the bundled sentence embeddings, offline on a CPU (labelled text); "
        "none: only the command judges (instruction data)",
    )
    sweep: list[float] = Field(
        default=[0.0, 0.25, 0.5], description="synthetic shares the proxy also trains at; the blend's share is added"
    )
    command: list[str] | None = Field(
        default=None,
        min_length=1,
        description="a user evaluation (argv, no shell): {version}, {test_set} and {metrics} are replaced by paths; "
        "it writes metrics JSON (docs/evaluation.md)",
    )
    command_timeout_seconds: float = Field(default=3600, gt=0)
    """the command is stopped, and promotion refused, after this long"""

    @model_validator(mode="after")
    def _someone_judges(self) -> Evaluation:
        if self.proxy == "none" and not self.command:
            raise ValueError("evaluation: proxy none needs a command, or nothing would judge the version")
        if any(not 0 <= share < 1 for share in self.sweep):
            raise ValueError("evaluation.sweep: shares must be in [0, 1)")
        return self


def register_test_set(raw: Any) -> Any:
    """A raw spec whose evaluation test set is also an eval set (added unless one already names the file)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("evaluation"), dict):
        return raw
    evaluation = raw["evaluation"]
    if evaluation.get("register_as_eval_set") is False or "test_set" not in evaluation:
        return raw
    sets = raw.get("eval_sets", [])
    if not isinstance(sets, list):
        return raw
    wanted = os.path.normpath(str(evaluation["test_set"]))
    if any(isinstance(s, dict) and os.path.normpath(str(s.get("path"))) == wanted for s in sets):
        return raw
    entry = {
        "name": TEST_SET_EVAL_NAME,
        "path": evaluation["test_set"],
        "text_field": evaluation.get("text_field", "text"),
        "id_field": evaluation.get("id_field", "id"),
    }
    return {**raw, "eval_sets": [*sets, entry]}
