"""Contamination detection on ../shared/data/contamination-dev (MMLU): recall at 1% and 0.1% false positives,
speed and peak memory, synthfactory against the standard checks, in one run.

Each method runs in its own process (so each has its own peak memory):
- baseline: 13-gram overlap (GPT-3 / lm-evaluation-harness) and top-1 cosine of plain
  SentenceTransformer.encode embeddings of whole items (exact FAISS search);
- synthfactory, per embedding backend: tasks/decontaminate/contamination.py with its defaults, first cold
  (nothing cached), then as on the next night (the eval set's index persisted, the candidates new).
Writes bench/results/contamination_dev.json.  Usage: python bench/contamination_dev.py [DATA_DIR]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "contamination-dev"
BACKENDS = ("onnx-int8", "torch")
ENCODE_SAMPLE, REPEATS = 1000, 3


def load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:

    def read(name: str) -> pd.DataFrame:
        return pd.read_json(data / name, lines=True)

    return read("eval_mmlu_test.jsonl"), read("positives_mmlu_rephrased.jsonl"), read("negatives_mmlu_val_dev.jsonl")


def encode_rate(embed, texts: list[str]) -> float:
    """Median items per second of `embed` over REPEATS passes on the same texts."""
    embed(texts[:32])  # warm-up
    seconds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        embed(texts)
        seconds.append(time.perf_counter() - started)
    return len(texts) / float(np.median(seconds))


def run_baseline(data: Path) -> dict:
    import faiss

    from tasks.embeddings.bundled_model import embed_texts, load_encoder
    from tasks.text_features import word_ngrams, word_tokens

    evals, positives, negatives = load(data)
    candidates = positives["text"].tolist() + negatives["text"].tolist()
    grams = set().union(*(word_ngrams(word_tokens(t), 13) for t in evals["text"]))
    thirteen = [float(bool(word_ngrams(word_tokens(t), 13) & grams)) for t in candidates]
    load_encoder()
    started = time.perf_counter()
    index = faiss.IndexFlatIP(384)
    index.add(embed_texts(evals["text"].tolist()))
    scores, positions = index.search(embed_texts(candidates), 1)
    seconds = time.perf_counter() - started
    return {
        "13gram": thirteen,
        "top1_cosine": scores[:, 0].tolist(),
        "top1_nearest": evals["id"].iloc[positions[:, 0]].tolist(),
        "check_seconds": seconds,
        "encode_items_per_second": encode_rate(embed_texts, negatives["text"].tolist()[:ENCODE_SAMPLE]),
    }


def run_synthfactory(data: Path, backend: str) -> dict:
    from schemas.spec import Decontamination
    from tasks.decontaminate.contamination import decision_threshold, score_contamination
    from tasks.decontaminate.eval_index import cached_eval_index
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.embeddings.encoder import encoder

    evals, positives, negatives = load(data)
    candidates = positives["text"].tolist() + negatives["text"].tolist()
    ids, texts, config, work = evals["id"].tolist(), evals["text"].tolist(), Decontamination(), Path(tempfile.mkdtemp())
    encoder(backend)  # model load (and, for onnx-int8, the one-time export) is not part of a check
    runs = {}
    for night in ("cold", "next_night"):
        embed = EmbeddingCache(work / night / "embeddings.sqlite", backend=backend)  # the candidates are new each night
        started = time.perf_counter()
        index = cached_eval_index(ids, texts, embed, work / "eval_indexes", embed.model_id)
        indexed = time.perf_counter()
        verdicts = score_contamination(candidates, index, config, embed)
        runs[night] = {"index_seconds": indexed - started, "score_seconds": time.perf_counter() - indexed}
    return {
        **{k: verdicts[k].tolist() for k in ("score", "nearest_eval_id", "contaminated", "ngram_overlap")},
        "runs": runs,
        "chunks": int(len(index.owner)),
        "threshold": decision_threshold(index, config),
        "encode_items_per_second": encode_rate(encoder(backend), negatives["text"].tolist()[:ENCODE_SAMPLE]),
    }


def recall_at_fpr(positives: np.ndarray, negatives: np.ndarray, fpr: float, right: np.ndarray | None = None) -> dict:
    """Recall when the threshold lets through at most `fpr` of the negatives (and the share of caught
    positives whose nearest eval item is the right one)."""
    threshold = float(np.quantile(negatives, 1 - fpr, method="higher"))
    caught = positives > threshold
    out = {
        "threshold": round(threshold, 4),
        "recall": round(float(caught.mean()), 4),
        "fpr": round(float((negatives > threshold).mean()), 5),
    }
    if right is not None:
        out["right_nearest_among_caught"] = round(float(right[caught].mean()), 4) if caught.any() else None
    return out


def summary(pos: np.ndarray, neg: np.ndarray, right: np.ndarray | None) -> dict:
    return {
        f"at_{label}_fpr": recall_at_fpr(pos, neg, fpr, right)
        for label, fpr in (("1pct", 0.01), ("0.1pct", 0.001), ("2pct", 0.02), ("5pct", 0.05))
    }


def child(kind: str, data: Path, out: Path) -> None:
    result = run_baseline(data) if kind == "baseline" else run_synthfactory(data, kind)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out.write_text(json.dumps(result))


def main(data: Path) -> None:
    evals, positives, negatives = load(data)
    n_pos, source = len(positives), positives["source_id"].astype(str).to_numpy()
    runs = {}
    for kind in ("baseline", *BACKENDS):
        out = Path(tempfile.mkdtemp()) / "result.json"
        subprocess.run([sys.executable, __file__, "--child", kind, str(data), str(out)], check=True)
        runs[kind] = json.loads(out.read_text())
        print(kind, "done", flush=True)
    base = runs["baseline"]
    items = len(evals) + n_pos + len(negatives)
    result = {
        "data": data.name,
        "eval_items": len(evals),
        "positives": n_pos,
        "negatives": len(negatives),
        "methods": {
            "13gram_overlap": summary(np.array(base["13gram"][:n_pos]), np.array(base["13gram"][n_pos:]), None),
            "top1_cosine_plain_encode": summary(
                np.array(base["top1_cosine"][:n_pos]),
                np.array(base["top1_cosine"][n_pos:]),
                np.array(base["top1_nearest"][:n_pos]) == source,
            ),
        },
        "baseline": {
            "check_seconds": round(base["check_seconds"], 1),
            "items_per_second": round(items / base["check_seconds"], 1),
            "encode_items_per_second": round(base["encode_items_per_second"], 1),
            "peak_rss_mib": base["peak_rss_mib"],
        },
    }
    for backend in BACKENDS:
        ours = runs[backend]
        rank = np.where(
            np.array(ours["ngram_overlap"]) >= 0.5,
            np.inf,
            np.nan_to_num(np.array(ours["score"], dtype=float), nan=-np.inf),
        )
        right = np.array(ours["nearest_eval_id"][:n_pos], dtype=object) == source
        flagged = np.array(ours["contaminated"])
        cold, warm = (
            ours["runs"][n]["index_seconds"] + ours["runs"][n]["score_seconds"] for n in ("cold", "next_night")
        )
        result["methods"][f"synthfactory_{backend}"] = summary(rank[:n_pos], rank[n_pos:], right) | {
            "defaults": {
                "threshold": round(ours["threshold"], 4),
                "recall": round(float(flagged[:n_pos].mean()), 4),
                "fpr": round(float(flagged[n_pos:].mean()), 5),
                "right_nearest_among_caught": round(float(right[flagged[:n_pos]].mean()), 4),
                "right_nearest_all_positives": round(float(right.mean()), 4),
            },
            "eval_chunks_indexed": ours["chunks"],
            "speed": {
                "encode_items_per_second": round(ours["encode_items_per_second"], 1),
                "encode_ratio_vs_plain": round(ours["encode_items_per_second"] / base["encode_items_per_second"], 2),
                "cold_check_seconds": round(cold, 1),
                "cold_ratio_vs_baseline_check": round(base["check_seconds"] / cold, 2),
                "next_night_check_seconds": round(warm, 1),
                "next_night_ratio_vs_baseline_check": round(base["check_seconds"] / warm, 2),
                "stages_seconds": {n: {k: round(v, 1) for k, v in r.items()} for n, r in ours["runs"].items()},
            },
            "peak_rss_mib": ours["peak_rss_mib"],
        }
    out = ROOT / "bench" / "results" / "contamination_dev.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
