"""Vector index cost by size: build and query time of the exact (flat) and HNSW indexes at 10k, 100k and 1M
unit vectors of 384 dimensions (random, as the largest set has no real counterpart here), the recall@10 of
HNSW against the exact answer at several search depths (random vectors have no structure, the worst case for a
graph index), whether it finds the stored vector each query was made from (what a near-duplicate check
needs), and which index tasks/vector_index.build_index picks.
Writes bench/results/vector_index.json.  Usage: python bench/vector_index.py [SIZES...]
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.vectors.index import EXACT_LIMIT, HNSW_SEARCH_DEPTH, new_index

DIMENSIONS, QUERIES, K, REPEATS = 384, 1000, 10, 3
SEARCH_DEPTHS = (64, 128, 256, 512)


def unit_vectors(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((count, DIMENSIONS), dtype=np.float32)
    for start in range(0, count, 100_000):  # in slices: no float64 copy of a million rows
        block = rng.standard_normal((min(100_000, count - start), DIMENSIONS), dtype=np.float32)
        out[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def build(index: faiss.Index, vectors: np.ndarray) -> float:
    started = time.perf_counter()
    index.add(vectors)
    return round(time.perf_counter() - started, 2)


def query(index: faiss.Index, queries: np.ndarray) -> tuple[float, np.ndarray]:
    """Median milliseconds per query over REPEATS batched searches, and the positions found."""
    timings, positions = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        _, positions = index.search(queries, K)
        timings.append(time.perf_counter() - started)
    return round(1000 * float(np.median(timings)) / len(queries), 4), positions


def main(sizes: list[int]) -> None:
    results = []
    for size in sizes:
        vectors, queries = unit_vectors(size, 1), unit_vectors(QUERIES, 2)
        # Queries near stored vectors, as duplicates are: a stored vector plus a little noise.
        planted = np.random.default_rng(3).choice(size, QUERIES, replace=False)
        queries = vectors[planted] + 0.05 * queries  # cosine ~0.999 to the planted vector
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        flat, hnsw = faiss.IndexFlatIP(DIMENSIONS), new_index(DIMENSIONS, EXACT_LIMIT + 1)
        row = {
            "vectors": size,
            "flat": {"build_seconds": build(flat, vectors)},
            "hnsw": {"build_seconds": build(hnsw, vectors), "by_search_depth": {}},
        }
        row["flat"]["query_ms_per_query_median"], exact = query(flat, queries)
        for depth in SEARCH_DEPTHS:
            hnsw.hnsw.efSearch = depth
            milliseconds, graph = query(hnsw, queries)
            row["hnsw"]["by_search_depth"][depth] = {
                "query_ms_per_query_median": milliseconds,
                "recall_at_10_vs_flat": round(
                    float(np.mean([len(set(a) & set(b)) / K for a, b in zip(exact, graph)])), 4
                ),
                "near_duplicate_found": round(
                    float(np.mean(graph[:, 0] == planted)), 4
                ),  # the stored vector each query was made from
            }
        row["chosen_by_build_index"] = "flat" if size <= EXACT_LIMIT else f"hnsw (efSearch {HNSW_SEARCH_DEPTH})"
        row["peak_rss_mib_so_far"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(row), flush=True)
        results.append(row)
        del vectors
    out = ROOT / "bench" / "results" / "vector_index.json"
    out.write_text(
        json.dumps(
            {
                "dimensions": DIMENSIONS,
                "queries": QUERIES,
                "k": K,
                "repeats": REPEATS,
                "faiss": faiss.__version__,
                "threads": faiss.omp_get_max_threads(),
                "sizes": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
