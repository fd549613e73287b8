"""Contamination detection on ../shared/data/contamination-dev (MMLU): recall at 1% and 0.1% false positives.

Compares, in one run: 13-gram overlap (the GPT-3 / lm-evaluation-harness check), top-1 embedding cosine,
and synthfactory's score (n-gram containment and number-checked cosine). Writes bench/results/contamination_dev.json.
Usage: python bench/contamination_dev.py [DATA_DIR]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.spec import Decontamination  # noqa: E402
from tasks.decontaminate import build_eval_index, score_contamination  # noqa: E402
from tasks.embedding_cache import EmbeddingCache  # noqa: E402
from tasks.embeddings import embed_texts, load_encoder  # noqa: E402
from tasks.text_features import word_ngrams, word_tokens  # noqa: E402

DATA = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "contamination-dev"


def recall_at_fpr(positives: np.ndarray, negatives: np.ndarray, fpr: float) -> dict:
    """Recall when the threshold lets through at most `fpr` of the negatives."""
    threshold = float(np.quantile(negatives, 1 - fpr, method="higher"))
    return {"threshold": threshold, "recall": float((positives > threshold).mean()), "fpr": float((negatives > threshold).mean())}


def thirteen_gram_hits(texts: list[str], eval_texts: list[str]) -> np.ndarray:
    grams = set().union(*(word_ngrams(word_tokens(t), 13) for t in eval_texts))
    return np.array([float(bool(word_ngrams(word_tokens(t), 13) & grams)) for t in texts])


def main() -> None:
    read = lambda name: pd.read_json(DATA / name, lines=True)  # noqa: E731
    evals, positives, negatives = read("eval_mmlu_test.jsonl"), read("positives_mmlu_rephrased.jsonl"), read("negatives_mmlu_val_dev.jsonl")
    load_encoder()
    cache = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite")
    ids, texts = evals["id"].astype(str).tolist(), evals["text"].tolist()
    started = time.perf_counter()
    index = build_eval_index(ids, texts, Decontamination().ngram_size, cache)  # cold: every item is encoded
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    build_eval_index(ids, texts, Decontamination().ngram_size, cache)  # warm: the next night's build
    warm_seconds = time.perf_counter() - started
    config = Decontamination()
    started = time.perf_counter()
    pos = score_contamination(positives["text"].tolist(), index, config, cache)
    neg = score_contamination(negatives["text"].tolist(), index, config, cache)
    score_seconds = time.perf_counter() - started
    top1 = lambda texts: index.index.search(embed_texts(texts), 1)[0][:, 0]  # noqa: E731
    methods = {
        "13gram_overlap": (thirteen_gram_hits(positives["text"].tolist(), evals["text"].tolist()), thirteen_gram_hits(negatives["text"].tolist(), evals["text"].tolist())),
        "top1_cosine": (top1(positives["text"].tolist()), top1(negatives["text"].tolist())),
        "synthfactory_score": (pos["score"].to_numpy(), neg["score"].to_numpy()),
    }
    result = {
        "data": str(DATA.name),
        "eval_items": len(evals), "positives": len(positives), "negatives": len(negatives),
        "methods": {name: {"at_1pct_fpr": recall_at_fpr(p, n, 0.01), "at_0.1pct_fpr": recall_at_fpr(p, n, 0.001)} for name, (p, n) in methods.items()},
        "default_thresholds": {
            "recall": float(pos["contaminated"].mean()), "fpr": float(neg["contaminated"].mean()),
            "right_nearest_eval_item_among_flagged": float((pos.loc[pos["contaminated"], "nearest_eval_id"] == positives.loc[pos["contaminated"], "source_id"].astype(str)).mean()),
        },
        "seconds": {"index_eval_set_cold": round(index_seconds, 1), "index_eval_set_warm_cache": round(warm_seconds, 1), "score_candidates": round(score_seconds, 1)},
        "eval_items_per_second_indexing": {"cold_plain_encode": round(len(evals) / index_seconds, 1), "warm_embedding_cache": round(len(evals) / warm_seconds, 1),
                                           "ratio": round(index_seconds / warm_seconds, 1)},
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    out = ROOT / "bench" / "results" / "contamination_dev.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
