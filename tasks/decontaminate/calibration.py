"""An eval set's contamination threshold, set without labels from two nulls of its own.

- own items: each sampled item's best pair score against the *other* items (itself left out): distinct items of
  one benchmark, the negatives a new, independently written text resembles;
- number twins (tasks/decontaminate/twins.py): each sampled item with its numbers changed, and with one number
  changed (as the number reading reads numbers), against every item (its original included): the template
  siblings a restatement must out-score.
The threshold is the higher of the scores `false_positive_rate` of the own items reach and `false_positive_rate`
of both nulls pooled reach. Measured on the held-out word problems' dev split (docs/detection.md): at 5%, the
own items alone set 0.28 and 12% of the dev negatives (which share a name, an object or numbers with an item)
passed; the twins lift it above every own-item score, so an independently written text passes at most as often
as `false_positive_rate` says, and a sibling rarely. A set without numbers has no twins: the own items decide.
No floor from development data: the topical neighbours of MMLU and MRPC outscore a word problem's rephrasing once
numbers are written alike, so a floor set on them misses those (docs/detection.md, seventeenth round). Sets of
MIN_CALIBRATION_ITEMS (20) items or more calibrate; smaller ones use the pair model's small_eval_set point.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from tasks.decontaminate import twins as twin_code
from tasks.decontaminate.twins import number_twin, one_number_twins
from tasks.similarity.pair_features import profile
from tasks.similarity.pair_scorer import PairScorer

if TYPE_CHECKING:
    from tasks.decontaminate.eval_index import EvalIndex

CALIBRATION_SAMPLE = 2000
# the calibration key suffix of the twins' scores: twins written by other code are other twins
TWINS = "twins" + hashlib.sha256(inspect.getsource(twin_code).encode()).hexdigest()[:8]


def best_per_query(pairs: np.ndarray, scores: np.ndarray, queries: int) -> tuple[np.ndarray, np.ndarray]:
    """(best score, row of `pairs` holding it) per query; -inf and -1 for queries without pairs."""
    best, at = np.full(queries, -np.inf), np.full(queries, -1, np.int64)
    for row in np.argsort(scores, kind="stable"):
        best[pairs[row, 0]], at[pairs[row, 0]] = scores[row], row
    return best, at


def _sample(evals: EvalIndex) -> tuple[np.ndarray, np.ndarray]:
    """(first chunk of each item, the sampled item positions): the same sample for every pair model."""
    whole = np.r_[0, np.flatnonzero(np.diff(evals.owner)) + 1] if len(evals.owner) else np.zeros(0, int)
    sample = np.random.default_rng(0).choice(len(whole), min(CALIBRATION_SAMPLE, len(whole)), replace=False)
    return whole, sample


def own_item_scores(evals: EvalIndex, scorer: PairScorer) -> np.ndarray:
    """Each sampled item's best pair score against the other items (itself left out)."""
    whole, sample = _sample(evals)
    if len(whole) < 2:
        return np.zeros(0, np.float64)
    profiles = [evals.profile(int(i)) for i in sample]
    pairs, scores, _ = evals.pair_scores(profiles, evals.vectors[whole[sample]], scorer, exclude=sample)
    return np.nan_to_num(best_per_query(pairs, scores, len(sample))[0], neginf=0.0)


def twins_of(texts: list[str], per_text: int, seed: int = 0) -> list[str]:
    """Each text's number_twin and up to `per_text` of its one_number_twins (chosen with `seed`)."""
    rng, twins = np.random.default_rng(seed), []
    for text in texts:
        whole, ones = number_twin(text), one_number_twins(text)
        picked = sorted(rng.choice(len(ones), min(per_text, len(ones)), replace=False).tolist()) if ones else []
        twins += ([whole] if whole is not None else []) + [ones[i] for i in picked]
    return twins


def twin_scores(evals: EvalIndex, scorer: PairScorer, embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Each sampled item's number twins' best pair scores against the items (its own item included); none for
    items without numbers. A set of fewer than CALIBRATION_SAMPLE items gets more one-number twins per item."""
    _, sample = _sample(evals)
    per_item = max(1, CALIBRATION_SAMPLE // max(len(sample), 1))
    twins = twins_of([evals.texts[int(i)] for i in sample], per_item)
    if not twins:
        return np.zeros(0, np.float64)
    pairs, scores, _ = evals.pair_scores([profile(t) for t in twins], embed(twins), scorer)
    return np.nan_to_num(best_per_query(pairs, scores, len(twins))[0], neginf=0.0)


def threshold_from(own: np.ndarray, twins: np.ndarray, false_positive_rate: float) -> float:
    """The higher of the own items' and the pooled nulls' (1 - false_positive_rate) quantiles (own items: at
    least one, as EvalIndex.threshold calibrates only sets of MIN_CALIBRATION_ITEMS)."""
    pooled = np.r_[own, twins]
    return max(float(np.quantile(own, 1 - false_positive_rate)), float(np.quantile(pooled, 1 - false_positive_rate)))
