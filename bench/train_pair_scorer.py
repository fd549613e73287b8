"""Trains the pair scorer on development data only and writes tasks/similarity/pair_model.json.

Data: contamination-dev (MMLU: each rephrasing and each val/dev item against its nearest test items; a pair is
positive when the item is the one rephrased) and paraphrase-dev (MRPC train pairs, with each sampled sentence's
nearest other sentences as extra negatives), plus pairs generated from those texts (bench/number_rewrites.py), and
the word problems written for this project (bench/data: the second set whole and the first set's dev split, each
rephrasing and negative against its nearest items; the first set's test split is never trained on and is what
bench/detection.py reports). Model: logistic regression on standardised MODEL_FEATURES with coefficients held
non-negative, each benchmark and each class weighted equally. The sign constraint keeps every feature meaning what
it says (more agreement is never evidence against a match). Measured across benchmarks (docs/detection.md): the
lexical overlap features flip sign between MMLU and MRPC; the collection-relative ones (density-corrected score,
gap) lift MMLU recall but make a score mean different things in a build of a few templates (every row in a crowd of
its number variants) and in a benchmark, so no fixed dedup operating point holds for both. They are computed and
reported, not read. Number agreement is read as a changed number (numbers_consistent, the share changed, and
numbers_changed, whether any changed: punished) apart from an added one (not punished: a paraphrase adds a clause, a
rephrasing appends its answer). Numbers stated alike need no feature of their own: the vectors are of each text
with its numbers written one way (tasks/embeddings/encoder.py), so the cosine credits them; the count of numbers
stated alike (numbers_matched) lifted MRPC's near-copies that share their numbers over its paraphrases. The shares
of each side stated (numbers_forward, numbers_backward, numbers_all) punished added numbers and held MRPC below
plain cosine.
Usage: python bench/train_pair_scorer.py [--data DIR] [--out FILE]   (`make train-detector`)
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import detection_data, number_rewrites  # noqa: E402
from bench.detection_data import WORD_PROBLEM_TRAINING, PairSet, mmlu_pairs, mrpc_pairs, word_problem_pairs  # noqa: E402
from tasks.similarity.pair_features import FEATURES  # noqa: E402
from tasks.similarity.pair_scorer import MODEL_FILE, PairScorer, scorer_from_dict  # noqa: E402

MODEL_FEATURES = ["cosine", "numbers_consistent", "numbers_changed"]
L2 = 1e-3
DEDUP_NEGATIVE_SHARE = 0.0075  # dedup: inside the 1% of distinct rows the issue allows, a margin for new data
SMALL_SET_NEGATIVE_SHARE = 0.005  # at 0.05, 17 of 20 same-template items with other numbers pass on word problems
FPRS = (0.001, 0.01, 0.05)
DEV_FILES = (
    "contamination-dev/eval_mmlu_test.jsonl",
    "contamination-dev/positives_mmlu_rephrased.jsonl",
    "contamination-dev/negatives_mmlu_val_dev.jsonl",
    "paraphrase-dev/mrpc_train_pairs.jsonl",
)
WORD_PROBLEM_FILES = tuple(
    f"{name}_{part}.jsonl" for name, _ in WORD_PROBLEM_TRAINING for part in ("eval", "rephrased", "negatives")
)
# Operating points come from collections where a row's nearest rows are its topical neighbours (MMLU's val/dev
# items against the test items, MRPC's sentences against each other); the word problems' negatives are further
# from their items, so the lowest quantile across benchmarks would be theirs and too loose for the others.
COLLECTIONS = ("mmlu", "mrpc")


def sample_weights(sets: list[PairSet]) -> np.ndarray:
    """Each benchmark, and within it each class, carries the same total weight."""
    parts = [
        np.where(s.labels == 1, 0.5 / max(s.labels.sum(), 1), 0.5 / max((1 - s.labels).sum(), 1)) / len(sets)
        for s in sets
    ]
    return np.concatenate(parts) * sum(len(s.labels) for s in sets)


def fit(sets: list[PairSet], features: list[str] = MODEL_FEATURES, columns_named: list[str] = FEATURES) -> dict:
    """Non-negative logistic regression on standardised features: the model as a JSON-ready dict. columns_named:
    the names of the sets' feature columns (bench/feature_sweep.py appends candidates after FEATURES)."""
    columns = [columns_named.index(f) for f in features]
    x = np.vstack([s.features[:, columns] for s in sets])
    y = np.concatenate([s.labels for s in sets]).astype(np.float64)
    weight = sample_weights(sets)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z, n = (x - mean) / scale, len(x)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logit = z @ theta[1:] + theta[0]
        grad = weight * (1 / (1 + np.exp(-logit)) - y) / n
        value = np.sum(weight * (np.logaddexp(0, logit) - y * logit)) / n + L2 * theta[1:] @ theta[1:]
        return value, np.r_[grad.sum(), z.T @ grad + 2 * L2 * theta[1:]]

    result = minimize(
        loss,
        np.zeros(len(columns) + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] + [(0, None)] * len(columns),
    )
    return {
        "features": features,
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": result.x[1:].tolist(),
        "intercept": float(result.x[0]),
    }


def query_scores(pairs: PairSet, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(score, label) per original (not generated) query: a query's best pair."""
    best = np.full(len(pairs.query_labels), -np.inf)
    order = np.argsort(scores, kind="stable")
    best[pairs.query[order]] = scores[order]
    original = ~pairs.query_generated
    return best[original], pairs.query_labels[original]


def recall_at(scores: np.ndarray, labels: np.ndarray, fpr: float) -> dict:
    """Recall when at most `fpr` of the negatives score above the threshold."""
    negatives, positives = scores[labels == 0], scores[labels == 1]
    threshold = float(np.quantile(negatives, 1 - fpr, method="higher"))
    return {
        "recall": round(float((positives > threshold).mean()), 4),
        "fpr": round(float((negatives > threshold).mean()), 5),
    }


def metrics(scorer: PairScorer, sets: list[PairSet]) -> dict:
    out = {}
    for s in sets:
        scores, labels = query_scores(s, scorer(s.features))
        out[s.name] = {f"recall_at_{f:g}_fpr": recall_at(scores, labels, f)["recall"] for f in FPRS} | {
            "queries": int(len(labels))
        }
    return out


def operating_points(scorer: PairScorer, sets: list[PairSet]) -> dict[str, float]:
    """Thresholds for dedup and for eval sets too small to calibrate: the scores that DEDUP_NEGATIVE_SHARE and
    SMALL_SET_NEGATIVE_SHARE of distinct development rows reach against their nearest other rows (MMLU val/dev
    items against the test items, MRPC sentences against their nearest other sentences), the looser
    benchmark's: MRPC's nearest other sentences are often unlabelled paraphrases of the same news event."""
    at = distinct_rows_reach(scorer, sets)
    return {"dedup": at(DEDUP_NEGATIVE_SHARE), "small_eval_set": at(SMALL_SET_NEGATIVE_SHARE)}


def distinct_rows_reach(scorer: PairScorer, sets: list[PairSet]) -> Callable[[float], float]:
    """share -> the score that share of each set's distinct rows reach against their nearest rows, the lowest of the
    sets' (rounded to 6 places)."""
    negatives = []
    for s in sets:
        scores = scorer(s.features)
        best = np.full(len(s.query_labels), -np.inf)
        order = np.argsort(scores, kind="stable")
        best[s.query[order]] = scores[order]
        negatives.append(best[s.query_distinct])
    return lambda share: round(min(float(np.quantile(scores, 1 - share)) for scores in negatives), 6)


def training_hash(data: Path) -> str:
    """The development files and the code that turns them into pairs."""
    digest = hashlib.sha256()
    for name in DEV_FILES:
        digest.update((data / name).read_bytes())
    for name in WORD_PROBLEM_FILES:
        digest.update((detection_data.DATA / name).read_bytes())
    for module in (detection_data, number_rewrites):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:24]


def model_for(sets: list[PairSet], data: Path) -> dict:
    """The model (JSON-ready dict) fitted on `sets`, with its operating points, data hash and metrics."""
    model = fit(sets)
    scorer = scorer_from_dict(model)
    collections = [s for s in sets if s.name in COLLECTIONS]
    model["operating_points"] = operating_points(scorer, collections)
    model["training"] = {
        "benchmarks": [s.name for s in sets],
        "pairs": int(sum(len(s.labels) for s in sets)),
        "data_sha256": training_hash(data),
        "metrics_in_sample": metrics(scorer, sets),
    }
    return model


def development_sets(data: Path, embed) -> list[PairSet]:
    """Every development benchmark's pairs, with the generated ones."""
    return [mmlu_pairs(data, embed, augment=True), mrpc_pairs(data, embed, augment=True), word_problem_pairs(embed)]


def main() -> None:
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    model = model_for(development_sets(args.data, EmbeddingCache(cache_root() / "embeddings.sqlite")), args.data)
    args.out.write_text(json.dumps(model, indent=1) + "\n")
    print(json.dumps({k: v for k, v in model.items() if k not in ("mean", "scale")}, indent=1))


if __name__ == "__main__":
    main()
