"""Scores and the promotion decision: a seeded paired bootstrap of the difference between the blend and the
real-only baseline on the same resampled test items."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

METRICS = ("accuracy", "macro_f1")


def _scores(truth: np.ndarray, predicted: np.ndarray, metric: str, labels: np.ndarray) -> np.ndarray:
    """The metric of each row of (resamples x items) label arrays."""
    if metric == "accuracy":
        return (truth == predicted).mean(axis=-1)
    if metric != "macro_f1":
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    f1s = []
    for label in labels:
        is_true, is_predicted = truth == label, predicted == label
        tp = (is_true & is_predicted).sum(axis=-1)
        wrong = (is_true ^ is_predicted).sum(axis=-1)
        denominator = 2 * tp + wrong
        # A class absent from a resample, in truth and prediction, says nothing: left out of that mean.
        f1s.append(np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), np.nan))
    return np.nanmean(np.stack(f1s), axis=0)


def score(truth, predicted, metric: str) -> float:
    """accuracy or macro-F1 (over the labels of the test set) of predicted against truth."""
    truth, predicted = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    return float(_scores(truth, predicted, metric, np.unique(truth)))


@dataclass(frozen=True)
class Comparison:
    """The blend against the baseline: both scores, their difference and its confidence interval."""

    baseline: float
    blend: float
    difference: float
    ci: tuple[float, float]
    confidence: float
    samples: int

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def _resamples(items: int, samples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, items, size=(samples, items))


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def compare_predictions(
    truth, baseline, blend, metric: str, samples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> Comparison:
    """blend minus baseline on the metric, with a percentile interval over paired resamples of the test items."""
    truth, baseline, blend = (np.asarray(a, dtype=object) for a in (truth, baseline, blend))
    if not len(truth) == len(baseline) == len(blend) or not len(truth):
        raise ValueError("truth and both arms' predictions need the same, non-zero, number of items")
    labels = np.unique(truth)
    index = _resamples(len(truth), samples, seed)
    base_scores = _scores(truth[index], baseline[index], metric, labels)
    blend_scores = _scores(truth[index], blend[index], metric, labels)
    base, mixed = score(truth, baseline, metric), score(truth, blend, metric)
    return Comparison(base, mixed, mixed - base, _interval(blend_scores - base_scores, confidence), confidence, samples)


def compare_item_scores(baseline, blend, samples: int = 1000, confidence: float = 0.95, seed: int = 0) -> Comparison:
    """The same for a metric that is a mean of per-item scores (e.g. 0/1 correct, or a per-item loss negated)."""
    baseline, blend = np.asarray(baseline, dtype=float), np.asarray(blend, dtype=float)
    if baseline.shape != blend.shape or baseline.ndim != 1 or not len(baseline):
        raise ValueError("per-item scores of both arms need the same, non-zero, number of items")
    index = _resamples(len(baseline), samples, seed)
    differences = (blend[index] - baseline[index]).mean(axis=1)
    return Comparison(
        float(baseline.mean()),
        float(blend.mean()),
        float(blend.mean() - baseline.mean()),
        _interval(differences, confidence),
        confidence,
        samples,
    )


def score_interval(truth, predicted, metric: str, samples: int, confidence: float, seed: int) -> tuple[float, float]:
    """A percentile interval of one arm's score over resamples of the test items (for the sweep's error bars)."""
    truth, predicted = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    index = _resamples(len(truth), samples, seed)
    return _interval(_scores(truth[index], predicted[index], metric, np.unique(truth)), confidence)


def promotes(comparison: Comparison, tolerance: float, rule: str) -> bool:
    """ci_lower_bound: the interval's low end is at least -tolerance (the blend must show it is not worse);
    point_estimate: the difference itself is at least -tolerance."""
    judged = comparison.ci[0] if rule == "ci_lower_bound" else comparison.difference
    return judged >= -tolerance - 1e-12
