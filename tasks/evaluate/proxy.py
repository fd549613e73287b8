"""The built-in proxy for labelled text: logistic regression on the bundled sentence embeddings, trained on the
version's real training rows alone and on the blend (and on a sweep of synthetic shares), scored on the test set.

It judges whether the synthetic rows teach the label; it says nothing about the quality of free-text outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from schemas import records as col
from tasks.evaluate.bootstrap import compare_predictions, score, score_interval

Embed = Callable[[list[str]], np.ndarray]
PROXY_METHOD = "logistic regression (C=10) on all-MiniLM-L6-v2 sentence embeddings"


@dataclass(frozen=True)
class HeldOutSet:
    ids: list[str]
    texts: list[str]
    labels: list[str]


def training_text(rows: pd.DataFrame, fields: list[str]) -> list[str]:
    """A record's text as the classifier sees it: the chosen columns, non-empty ones joined by a newline."""
    parts = rows[fields].fillna("").astype(str)
    return ["\n".join(p for p in row if p.strip()) for row in parts.itertuples(index=False)]


def share_sample(train: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Every real row plus a seeded sample of synthetic rows making up `share` of the result (fewer if short)."""
    is_real = train[col.SOURCE] == col.SOURCE_REAL
    real, synthetic = train[is_real], train[~is_real]
    wanted = int(round(share / (1 - share) * len(real))) if share < 1 else len(synthetic)
    chosen = synthetic.sample(n=min(wanted, len(synthetic)), random_state=seed) if wanted else synthetic.iloc[0:0]
    return pd.concat([real, chosen])


def fit_predict(vectors: np.ndarray, labels: list[str], test_vectors: np.ndarray) -> np.ndarray:
    """Labels predicted for the test vectors by a classifier fitted on (vectors, labels)."""
    if len(set(labels)) < 2:  # one class: a classifier cannot be fitted, and predicts that class
        return np.full(len(test_vectors), labels[0] if labels else "", dtype=object)
    model = LogisticRegression(C=10.0, max_iter=2000)
    return model.fit(vectors, labels).predict(test_vectors).astype(object)


def run_proxy(
    train: pd.DataFrame,
    test: HeldOutSet,
    embed: Embed,
    *,
    text_fields: list[str],
    label_field: str,
    metric: str,
    shares: list[float],
    samples: int,
    confidence: float,
    seed: int,
) -> dict:
    """Real-only against blend (paired bootstrap), and the test score at each synthetic share."""
    vectors = embed(training_text(train, text_fields))
    test_vectors = embed(test.texts)
    labels = train[label_field].fillna("").astype(str)
    is_real = (train[col.SOURCE] == col.SOURCE_REAL).to_numpy()
    if not is_real.any():
        raise ValueError("the version's training split has no real rows: no real-only baseline to compare with")
    baseline = fit_predict(vectors[is_real], labels[is_real].tolist(), test_vectors)
    blend = fit_predict(vectors, labels.tolist(), test_vectors)
    comparison = compare_predictions(test.labels, baseline, blend, metric, samples, confidence, seed)
    blend_share = float((~is_real).mean())
    sweep = []
    for share in sorted({*shares, blend_share}):
        if share > blend_share:
            continue  # the blend has no more synthetic rows to add
        is_blend = share == blend_share
        positions = np.arange(len(train))
        if not is_blend:
            positions = share_sample(train.assign(_position=positions), share, seed)["_position"].to_numpy()
        rows = train.iloc[positions]
        predicted = (
            blend if is_blend else fit_predict(vectors[positions], labels.iloc[positions].tolist(), test_vectors)
        )
        synthetic_rows = int((rows[col.SOURCE] != col.SOURCE_REAL).sum())
        sweep.append(
            {
                "share": round(synthetic_rows / len(rows), 4),
                "rows": len(rows),
                "synthetic_rows": synthetic_rows,
                "score": score(test.labels, predicted, metric),
                "ci": list(score_interval(test.labels, predicted, metric, samples, confidence, seed)),
                "is_blend": is_blend,
            }
        )
    return {
        "method": PROXY_METHOD,
        "train_rows": {"real_only": int(is_real.sum()), "blend": len(train)},
        **comparison.as_dict(),
        "sweep": sweep,
    }
