"""The pair scorer: the probability that a candidate restates a reference (an eval item, an earlier row).

A logistic regression over tasks/similarity/pair_features.py's FEATURES, standardised, stored as plain JSON
(pair_model.json: feature names, scaler, coefficients, the hash of its training data, its metrics and its
operating points), so loading runs no pickled code. Trained by bench/train_pair_scorer.py (`make
train-detector`) on development data only. Decontamination sets its threshold per eval set without labels,
never under the score the same share of distinct development rows reach; dedup and eval sets too small to
calibrate use the model's operating points.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from tasks.similarity import number_comparison, number_phrases, number_words, numbers, pair_features, units
from tasks.similarity.pair_features import EMBEDDING_FEATURES, FEATURES, TEXT_FEATURE_RANGES

MODEL_FILE = Path(__file__).with_name("pair_model.json")


@dataclass(frozen=True)
class PairScorer:
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    operating_points: dict[str, float] = field(default_factory=dict)
    digest: str = ""

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds per row of a FEATURES matrix (the model reads its own columns of it)."""
        if not len(matrix):
            return np.zeros(0)
        columns = np.asarray(matrix, dtype=np.float64)[:, [FEATURES.index(f) for f in self.features]]
        return ((columns - self.mean) / self.scale) @ self.coef + self.intercept

    def __call__(self, matrix: np.ndarray) -> np.ndarray:
        """Probability per row of a FEATURES matrix."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(matrix), -60, 60)))

    def most(self, embedding: np.ndarray) -> np.ndarray:
        """The highest probability each pair of an EMBEDDING_FEATURES matrix can reach, whatever its text."""
        matrix = np.zeros((len(embedding), len(FEATURES)))
        matrix[:, : len(EMBEDDING_FEATURES)] = embedding
        for name, weight in zip(self.features, self.coef / self.scale):
            if name in TEXT_FEATURE_RANGES:
                matrix[:, FEATURES.index(name)] = TEXT_FEATURE_RANGES[name][1 if weight > 0 else 0]
        return self(matrix)


@lru_cache(maxsize=1)
def _feature_code() -> bytes:
    modules = (pair_features, numbers, number_comparison, number_phrases, number_words, units)
    return "".join(inspect.getsource(m) for m in modules).encode()


def scorer_from_dict(model: dict) -> PairScorer:
    unknown = set(model["features"]) - set(FEATURES)
    if unknown:
        raise ValueError(
            f"the pair model reads features the code does not compute: {sorted(unknown)}; run `make train-detector`"
        )
    # the code that computes the features is part of the model: a calibration kept for an older reading is stale
    digest = hashlib.sha256(
        json.dumps({k: model[k] for k in ("features", "mean", "scale", "coef", "intercept")}).encode() + _feature_code()
    ).hexdigest()[:16]
    return PairScorer(
        model["features"],
        np.array(model["mean"]),
        np.array(model["scale"]),
        np.array(model["coef"]),
        float(model["intercept"]),
        dict(model.get("operating_points", {})),
        digest,
    )


@lru_cache(maxsize=4)
def load_scorer(path: str | Path = MODEL_FILE) -> PairScorer:
    """The shipped pair model (or another trained one), read once per process."""
    return scorer_from_dict(json.loads(Path(path).read_text()))
