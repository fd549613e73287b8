"""The last look before publishing: the rows about to be published against every registered eval set, with the
decontaminate stage's own index and threshold, the LLM judge's clearances standing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from schemas import records as col
from schemas.spec import Decontamination
from tasks.decontaminate.contamination import score_contamination
from tasks.decontaminate.eval_index import load_eval_index
from tasks.stage_result import StageResult


def eval_hits(
    data: pd.DataFrame, texts: list[str], vectors: np.ndarray, decontaminated: StageResult, settings: Decontamination
) -> int:
    """How many of the rows (their texts and vectors given) match an eval item and were not cleared by the judge."""
    evals = load_eval_index(Path(decontaminated.files["eval_index"]))
    verdicts = score_contamination(texts, evals, settings, embed=lambda _: vectors)
    cleared = data[col.ID].isin(decontaminated.facts["judge_cleared"]).to_numpy()  # the judge's word stands
    return int((verdicts["contaminated"] & ~cleared).sum())
