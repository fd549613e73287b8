"""Detection benchmark: contamination and near duplicates, each benchmark scored by a pair model trained without it.

- mmlu_contamination: contamination-dev (485 GPT-4 rephrasings of MMLU test items, 1,536 val/dev items as hard
  negatives, 14,080 test items as the eval set), through tasks/decontaminate/contamination.py with a model
  trained without MMLU; beside plain top-1 cosine (the same int8 vectors, whole items) and 13-gram overlap.
- mrpc_pairs: paraphrase-dev (MRPC train pairs) scored as dedup scores two rows, with a model trained without
  MRPC; also on the pairs whose label agrees with docs/detection.md's decisions (a "paraphrase" that changes a
  number is another item; a "non-paraphrase" one side of which holds nearly every word of the other is a copy).
- mmlu_dedup: the 485 (item, rephrasing) pairs hidden among 3,536 distinct items, through
  tasks/dedup/duplicates.py: share of pairs with one member dropped, share of distinct items dropped.
- word_problems_heldout: the first word-problem set's test split (bench/detection_word_problems.py), contamination
  and dedup, with the shipped model (never trained on that split), beside cosine and 13-gram overlap;
  word_problems2_heldout: the second set with a model trained without it; word_problems3_heldout: the third set
  with the shipped model (never trained on it; its first run's errors were read: bench/data/README.md).
- word_problems_check: a tiny hand-written check of the issue's kind (bench/data/word_problems_check.jsonl: 22
  rephrasings of deployments/data/eval_word_problems.jsonl with numbers written otherwise, 20 same-template
  items with other numbers), with the shipped model and both held-out models. In no training data.
Speed and peak memory are measured per method in its own process; candidates are embedded fresh (a new night),
the eval index is read back. Writes bench/results/detection.json.  Usage: python bench/detection.py [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.detection_data import (  # noqa: E402
    FIRST_SET,
    PairSet,
    mmlu_pairs,
    mrpc_frame,
    mrpc_pairs,
    read_jsonl,
    word_problem_pairs,
)
from bench.detection_dedup import child_dedup, peak_rss_mib  # noqa: E402
from bench.detection_word_problems import FPRS, OTHER_RATES, child_word_problems, hand_check, recall_at_fpr  # noqa: E402
from bench.mrpc_labels import as_decided, only_baseline_finds  # noqa: E402
from bench.recall_interval import recall_gaps  # noqa: E402
from bench.train_pair_scorer import model_for, training_hash  # noqa: E402
from tasks.text_features import word_ngrams, word_tokens  # noqa: E402


def child_contamination(data: Path, model_path: Path) -> dict:
    """Ours with the given model: a next night's check (eval index read back, candidates embedded fresh)."""
    from schemas.spec import Decontamination
    from tasks.decontaminate.contamination import decision_threshold, score_contamination
    from tasks.decontaminate.eval_index import cached_eval_index
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root
    from tasks.similarity.pair_scorer import load_scorer

    scorer, config = load_scorer(model_path), Decontamination()
    evals_frame = read_jsonl(data / "contamination-dev" / "eval_mmlu_test.jsonl")
    positives = read_jsonl(data / "contamination-dev" / "positives_mmlu_rephrased.jsonl")
    negatives = read_jsonl(data / "contamination-dev" / "negatives_mmlu_val_dev.jsonl")
    kept = EmbeddingCache(cache_root() / "embeddings.sqlite")
    fresh = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite")
    fresh(["warm-up"])  # the model load is not part of a check
    ids, texts = evals_frame["id"].tolist(), evals_frame["text"].tolist()
    started = time.perf_counter()
    evals = cached_eval_index(ids, texts, kept, cache_root() / "eval_indexes", kept.model_id, calibrate=False)
    loaded = time.perf_counter()
    threshold = decision_threshold(evals, config, scorer)  # calibrated once per eval set and model, then kept
    calibrated = time.perf_counter()
    candidates = positives["text"].tolist() + negatives["text"].tolist()
    verdicts = score_contamination(candidates, evals, config, fresh, scorer)
    checked = time.perf_counter()
    return {
        "score": verdicts["score"].fillna(-1.0).tolist(),
        "ngram_overlap": verdicts["ngram_overlap"].tolist(),
        "contaminated": verdicts["contaminated"].tolist(),
        "nearest": verdicts["nearest_eval_id"].tolist(),
        "threshold": threshold,
        "other_rates": {f"{r:g}": evals.threshold(r, scorer) for r in OTHER_RATES},
        "seconds": {"index_read": loaded - started, "calibration": calibrated - loaded, "check": checked - calibrated},
        "items_per_second": len(candidates) / (checked - calibrated),
        "peak_rss_mib": peak_rss_mib(),
    }


def child_baseline(data: Path) -> dict:
    """Plain top-1 cosine (whole items as written, exact search, the same int8 encoder) and 13-gram overlap."""
    import faiss

    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root

    evals = read_jsonl(data / "contamination-dev" / "eval_mmlu_test.jsonl")
    positives = read_jsonl(data / "contamination-dev" / "positives_mmlu_rephrased.jsonl")
    negatives = read_jsonl(data / "contamination-dev" / "negatives_mmlu_val_dev.jsonl")
    candidates = positives["text"].tolist() + negatives["text"].tolist()
    item_vectors = EmbeddingCache(cache_root() / "embeddings.sqlite", numbers_alike=False)(evals["text"].tolist())
    fresh = EmbeddingCache(Path(tempfile.mkdtemp()) / "embeddings.sqlite", numbers_alike=False)
    fresh(["warm-up"])
    started = time.perf_counter()
    index = faiss.IndexFlatIP(item_vectors.shape[1])
    index.add(item_vectors)
    scores, positions = index.search(fresh(candidates), 1)
    cosine_seconds = time.perf_counter() - started
    started = time.perf_counter()
    grams = set().union(*(word_ngrams(word_tokens(t), 13) for t in evals["text"]))
    thirteen = [float(bool(word_ngrams(word_tokens(t), 13) & grams)) for t in candidates]
    return {
        "cosine": scores[:, 0].tolist(),
        "nearest": evals["id"].iloc[positions[:, 0]].tolist(),
        "13gram": thirteen,
        "cosine_items_per_second": len(candidates) / cosine_seconds,
        "13gram_items_per_second": len(candidates) / (time.perf_counter() - started),
        "peak_rss_mib": peak_rss_mib(),
    }


def run_child(kind: str, *args: str) -> dict:
    out = Path(tempfile.mkdtemp()) / "result.json"
    subprocess.run([sys.executable, __file__, "--child", kind, *args, str(out)], check=True)
    return json.loads(out.read_text())


def at_threshold(score: np.ndarray, positives: int, threshold: float) -> dict:
    return {
        "recall": round(float((score[:positives] >= threshold).mean()), 4),
        "fpr": round(float((score[positives:] >= threshold).mean()), 5),
    }


def labels_of(positives: int, total: int) -> np.ndarray:
    return (np.arange(total) < positives).astype(int)


def mmlu_contamination(data: Path, model_path: Path) -> dict:  # model trained without MMLU
    positives = read_jsonl(data / "contamination-dev" / "positives_mmlu_rephrased.jsonl")
    n, source = len(positives), positives["source_id"].to_numpy(dtype=object)
    ours, base = run_child("contamination", str(data), str(model_path)), run_child("baseline", str(data))
    rank = np.where(np.array(ours["ngram_overlap"]) >= 0.5, np.inf, np.array(ours["score"]))
    right = np.array(ours["nearest"][:n], dtype=object) == source
    flagged = np.array(ours["contaminated"])
    base_right = np.array(base["nearest"][:n], dtype=object) == source
    return {
        "pair_model": "trained without MMLU (MRPC and the word problems)",
        "ours": recall_at_fpr(rank[:n], rank[n:], right)
        | {
            "defaults": {"threshold": round(ours["threshold"], 4)} | at_threshold(flagged.astype(float), n, 1.0),
            **{
                f"false_positive_rate_{r}": {"threshold": round(t, 4)} | at_threshold(rank, n, t)
                for r, t in ours["other_rates"].items()
            },
            "right_nearest_all_positives": round(float(right.mean()), 4),
            "items_per_second": round(ours["items_per_second"], 1),
            "seconds": {k: round(v, 2) for k, v in ours["seconds"].items()},
            "peak_rss_mib": ours["peak_rss_mib"],
        },
        "ours_minus_top1_cosine": recall_gaps(rank, np.array(base["cosine"]), labels_of(n, len(rank)), FPRS),
        "top1_cosine": recall_at_fpr(np.array(base["cosine"][:n]), np.array(base["cosine"][n:]), base_right)
        | {
            "right_nearest_all_positives": round(float(base_right.mean()), 4),
            "items_per_second": round(base["cosine_items_per_second"], 1),
            "peak_rss_mib": base["peak_rss_mib"],
        },
        "13gram_overlap": recall_at_fpr(np.array(base["13gram"][:n]), np.array(base["13gram"][n:]))
        | {"items_per_second": round(base["13gram_items_per_second"], 1)},
    }


def mrpc_as_dedup(data: Path, model: dict, pairs: PairSet) -> dict:
    """Every MRPC pair scored by a model trained without MRPC, beside its cosine and 13-gram overlap."""
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root
    from tasks.similarity.pair_scorer import scorer_from_dict

    scorer = scorer_from_dict(model)
    original = ~pairs.query_generated
    scores, labels = pairs.features[original], pairs.labels[original]
    started = time.perf_counter()
    ours = scorer(scores)
    frame = mrpc_frame(data)
    plain = EmbeddingCache(cache_root() / "embeddings.sqlite", numbers_alike=False)  # the baseline: texts as written
    cosine = (plain(frame["text_a"].tolist()) * plain(frame["text_b"].tolist())).sum(axis=1)
    thirteen = np.array(
        [
            float(bool(word_ngrams(word_tokens(a), 13) & word_ngrams(word_tokens(b), 13)))
            for a, b in zip(frame["text_a"], frame["text_b"])
        ]
    )
    at_default = ours >= model["operating_points"]["dedup"]
    return {
        "pair_model": "trained without MRPC (MMLU and the word problems)",
        "ours": recall_at_fpr(ours[labels == 1], ours[labels == 0])
        | {
            "defaults": {
                "threshold": model["operating_points"]["dedup"],
                "recall": round(float(at_default[labels == 1].mean()), 4),
                "fpr": round(float(at_default[labels == 0].mean()), 5),
            },
            "scoring_pairs_per_second": round(len(ours) / (time.perf_counter() - started), 1),
        },
        "cosine": recall_at_fpr(cosine[labels == 1], cosine[labels == 0]),
        "ours_minus_cosine": recall_gaps(ours, cosine, labels, FPRS),
        "labels_as_decided": as_decided(ours, scores, cosine, labels),
        "pairs_only_cosine_finds_at_0.1pct": only_baseline_finds(ours, cosine, labels, frame, 0.001),
        "13gram_overlap": recall_at_fpr(thirteen[labels == 1], thirteen[labels == 0]),
        "pairs": int(len(labels)),
        "paraphrases": int(labels.sum()),
    }


def main(data: Path) -> None:
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root
    from tasks.similarity.pair_scorer import MODEL_FILE

    shipped = json.loads(MODEL_FILE.read_text())
    trained_on, this_tree = shipped["training"]["data_sha256"], training_hash(data)
    if trained_on != this_tree:  # else the first set's test split may have been trained on
        raise SystemExit(
            f"{MODEL_FILE.name} was trained on other development data or pair code ({trained_on}, this tree's: "
            f"{this_tree}): run `make train-detector` first, so the figures are held out"
        )
    embed = EmbeddingCache(cache_root() / "embeddings.sqlite")
    mmlu, mrpc = mmlu_pairs(data, embed, augment=True), mrpc_pairs(data, embed, augment=True)
    words, first_set_dev = word_problem_pairs(embed), word_problem_pairs(embed, ((FIRST_SET, "dev"),))
    without_mmlu, without_mrpc = model_for([mrpc, words], data), model_for([mmlu, words], data)
    without_second_set = model_for([mmlu, mrpc, first_set_dev], data)
    folder = Path(tempfile.mkdtemp())
    model_path, second_path = folder / "without_mmlu.json", folder / "without_word_problems2.json"
    model_path.write_text(json.dumps(without_mmlu))
    second_path.write_text(json.dumps(without_second_set))
    print("models trained", flush=True)
    result = {
        "data": str(data.name),
        "shipped_model": {k: shipped[k] for k in ("features", "coef", "intercept", "operating_points", "training")},
        "held_out_models": {
            "without_mmlu": {k: without_mmlu[k] for k in ("coef", "operating_points")},
            "without_mrpc": {k: without_mrpc[k] for k in ("coef", "operating_points")},
            "without_word_problems2": {k: without_second_set[k] for k in ("coef", "operating_points")},
        },
        "mmlu_contamination": mmlu_contamination(data, model_path),
        "mrpc_pairs": mrpc_as_dedup(data, without_mrpc, mrpc),
        "mmlu_dedup": {
            "pair_model": "trained without MMLU (MRPC and the word problems)",
            **run_child("dedup", str(data), str(model_path)),
        },
        "word_problems_heldout": {
            "pair_model": "shipped (trained on MMLU, MRPC, the second set and this set's dev split)",
            **run_child("word_problems", str(MODEL_FILE), "test", FIRST_SET),
        },
        "word_problems2_heldout": {
            "pair_model": "trained without the second set (MMLU, MRPC and the first set's dev split)",
            **run_child("word_problems", str(second_path), "", "word_problems2"),
        },
        "word_problems3_heldout": {
            "pair_model": "shipped (never trained on this set)",
            **run_child("word_problems", str(MODEL_FILE), "", "word_problems3"),
        },
        "word_problems_check": hand_check(
            {"shipped": shipped, "without_mmlu": without_mmlu, "without_mrpc": without_mrpc}
        ),
    }
    out = ROOT / "bench" / "results" / "detection.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


def child(kind: str, args: list[str]) -> None:
    *inputs, out = args
    runners = {
        "contamination": lambda: child_contamination(Path(inputs[0]), Path(inputs[1])),
        "baseline": lambda: child_baseline(Path(inputs[0])),
        "dedup": lambda: child_dedup(Path(inputs[0]), Path(inputs[1])),
        "word_problems": lambda: child_word_problems(Path(inputs[0]), inputs[1], inputs[2]),
    }
    Path(out).write_text(json.dumps(runners[kind]()))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
        main(parser.parse_args().data)
