"""The dedup benchmark of bench/detection.py: MMLU test items and their GPT-4 rephrasings hidden among distinct
items; a pair counts as removed when dedup drops either member. Beside plain greedy cosine dedup."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.detection_data import read_jsonl

DISTINCT_EVAL_ITEMS = 2000  # test items (not rephrased) hidden with the pairs


def peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def mmlu_dedup_texts(data: Path) -> tuple[list[str], list[tuple[int, int]], np.ndarray]:
    """(texts in a shuffled order, positions of each (item, rephrasing) pair, positions of the distinct items)."""
    evals = read_jsonl(data / "contamination-dev" / "eval_mmlu_test.jsonl").set_index("id")
    positives = read_jsonl(data / "contamination-dev" / "positives_mmlu_rephrased.jsonl")
    negatives = read_jsonl(data / "contamination-dev" / "negatives_mmlu_val_dev.jsonl")
    others = evals.drop(index=positives["source_id"]).sample(DISTINCT_EVAL_ITEMS, random_state=0)
    rows = [(evals.loc[s, "text"], i) for i, s in enumerate(positives["source_id"])] + list(
        zip(positives["text"], range(len(positives)))
    )
    rows += [(t, -1) for t in list(negatives["text"]) + list(others["text"])]
    order = np.random.default_rng(0).permutation(len(rows))
    texts = [rows[i][0] for i in order]
    pair_of = np.array([rows[i][1] for i in order])
    pairs = [tuple(np.flatnonzero(pair_of == p)) for p in range(len(positives))]
    return texts, pairs, np.flatnonzero(pair_of < 0)


def dedup_summary(dropped: set[int], pairs: list[tuple[int, int]], distinct: np.ndarray) -> dict:
    return {
        "pairs_removed": round(float(np.mean([bool(set(p) & dropped) for p in pairs])), 4),
        "distinct_dropped": round(float(np.mean([d in dropped for d in distinct])), 5),
    }


def cosine_dedup(vectors: np.ndarray, threshold: float) -> set[int]:
    """Plain greedy dedup: a row goes when an earlier kept row is at least `threshold` cosine-similar."""
    similar = vectors @ vectors.T
    dropped: set[int] = set()
    for row in range(len(vectors)):
        earlier = np.flatnonzero(similar[row, :row] >= threshold)
        if any(e not in dropped for e in earlier):
            dropped.add(row)
    return dropped


def cosine_at_rate(vectors: np.ndarray, pairs: list[tuple[int, int]], distinct: np.ndarray, ours: dict) -> dict:
    """Plain greedy cosine dedup at the threshold (on a 0.005 grid from 0.80) that removes the most pairs while
    dropping no larger share of distinct rows than ours: the baseline at our operating point."""
    best = {"threshold": None, "pairs_removed": 0.0, "distinct_dropped": 0.0}
    for threshold in np.round(np.arange(0.8, 0.9951, 0.005), 3):
        found = dedup_summary(cosine_dedup(vectors, float(threshold)), pairs, distinct)
        if found["distinct_dropped"] <= ours["distinct_dropped"] and found["pairs_removed"] > best["pairs_removed"]:
            best = {"threshold": float(threshold), **found}
    return best


def child_dedup(data: Path, model_path: Path) -> dict:
    """tasks/dedup/duplicates.py with the given model at the build's own threshold, embeddings fresh."""
    from tasks.dedup.duplicates import find_duplicates
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.similarity.pair_scorer import load_scorer

    texts, pairs, distinct = mmlu_dedup_texts(data)
    fresh = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite")
    fresh(["warm-up"])
    started = time.perf_counter()
    found = find_duplicates(texts, None, fresh, minhash_threshold=0.8, scorer=load_scorer(model_path))
    seconds = time.perf_counter() - started
    vectors = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite", numbers_alike=False)(texts)
    baseline = {
        f"plain_cosine_{t}": dedup_summary(cosine_dedup(vectors, t), pairs, distinct) for t in (0.95, 0.9, 0.85)
    }
    ours = dedup_summary({d.position for d in found}, pairs, distinct)
    return {
        "ours": ours,
        "plain_cosine_at_ours_distinct_rate": cosine_at_rate(vectors, pairs, distinct, ours),
        **baseline,
        "rows": len(texts),
        "pairs": len(pairs),
        "distinct": len(distinct),
        "rows_per_second": len(texts) / seconds,
        "peak_rss_mib": peak_rss_mib(),
    }
