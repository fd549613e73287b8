"""FAISS inner-product indexes over unit vectors (so scores are cosine similarities), chosen by size.

Up to EXACT_LIMIT vectors a flat scan is exact and, for the batched queries of a build, fast enough: measured
here (bench/vector_index.py), at 100k vectors it answers faster than HNSW, and at 1M it takes 2.8 ms a query
while HNSW, after 11 minutes of building, takes 1.7 ms and misses 5% of planted near duplicates among random
vectors (efSearch 256), or 3.4 ms and misses 0.8% (efSearch 512). Above the limit an HNSW graph answers in about
logarithmic time, needs no training, and takes vectors incrementally (a nightly append).

A build's own rows need every row's nearest rows at once (a k-NN graph, neighbour_graph): a flat self-search
costs rows squared, so above GRAPH_EXACT_LIMIT rows it is an IVF index whose cells grow with the rows (about
GRAPH_ROWS_PER_CELL each, their centroids in an HNSW graph), so each row's search scans about the same number of
rows whatever the size: near-linear (with cells at 2*sqrt(rows) it cost rows^1.5, measured 2.5 times the time
for twice the rows). The neighbours it finds are scored again exactly. On a wide build's 84k distinct rows it
finds 99.4% of the exact 12 nearest (HNSW over 8-bit codes found 71%).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

EXACT_LIMIT = 1_000_000
HNSW_LINKS = 32
HNSW_BUILD_DEPTH = 80
HNSW_SEARCH_DEPTH = 256
GRAPH_EXACT_LIMIT = 20_000
GRAPH_ROWS_PER_CELL = 200  # cells grow with the rows, so a row's search scans the same ~GRAPH_PROBES x 200 rows
GRAPH_PROBES = 8
GRAPH_TRAINING_PER_CELL = 40  # k-means wants at least 39 points a centroid; more only costs time
GRAPH_BLOCK = 5_000  # rows per add, search and rescoring: bounds the copies (5,000 x 16 x 384 floats)
GRAPH_FLAT_CELLS = 999  # up to here a flat scan of the cells' centroids (and k-means' assignments) is cheaper
GRAPH_SPARE = 4  # neighbours found beyond k by the 8-bit codes, in case exact scores reorder them


def as_float32(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32)


def as_vectors(vectors: np.ndarray) -> np.ndarray:
    """Contiguous vectors as held: float16 kept (half a float32 copy; each block is computed on in float32 by
    as_float32), any other kind as float32."""
    return np.ascontiguousarray(vectors, dtype=np.float16 if vectors.dtype == np.float16 else np.float32)


def new_index(dimensions: int, expected_size: int) -> faiss.Index:
    if expected_size <= EXACT_LIMIT:
        return faiss.IndexFlatIP(dimensions)
    index = faiss.IndexHNSWFlat(dimensions, HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_BUILD_DEPTH
    index.hnsw.efSearch = HNSW_SEARCH_DEPTH
    return index


def build_index(vectors: np.ndarray, dimensions: int | None = None) -> faiss.Index:
    """Exact up to EXACT_LIMIT vectors, HNSW above."""
    index = new_index(dimensions or vectors.shape[1], len(vectors))
    if len(vectors):
        index.add(as_float32(vectors))
    return index


def save_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_index(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSWFlat):
        index.hnsw.efSearch = HNSW_SEARCH_DEPTH
    return index


def top_k(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores and positions of each query's k nearest vectors (position -1 where fewer exist)."""
    k = max(1, min(k, index.ntotal))
    if index.ntotal == 0 or len(queries) == 0:
        return np.zeros((len(queries), k), np.float32), np.full((len(queries), k), -1, np.int64)
    return index.search(as_float32(queries), k)


def neighbours_above(
    index: faiss.Index, queries: np.ndarray, min_score: float, most: int = 256
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each query, (positions, scores) of indexed vectors scoring at least min_score (exact indexes:
    all of them; HNSW: among the `most` nearest)."""
    if index.ntotal == 0 or len(queries) == 0:
        return [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in range(len(queries))]
    if isinstance(index, faiss.IndexFlat):
        lims, scores, positions = index.range_search(as_float32(queries), float(min_score))
        return [(positions[lims[i] : lims[i + 1]], scores[lims[i] : lims[i + 1]]) for i in range(len(queries))]
    scores, positions = top_k(index, queries, most)
    keep = (scores >= min_score) & (positions >= 0)
    return [(positions[i][keep[i]], scores[i][keep[i]]) for i in range(len(queries))]


def _graph_index(vectors: np.ndarray, rows: np.ndarray) -> faiss.Index:
    dimensions = vectors.shape[1]
    cells = max(1, len(rows) // GRAPH_ROWS_PER_CELL)
    # Rows in 8-bit codes (a quarter of a second float copy, 1.5 GB at a million rows); the neighbours found are
    # scored again exactly from `vectors`. Up to GRAPH_FLAT_CELLS cells their centroids are scanned flat, and
    # k-means runs 5 rounds: at 100k rows (500 cells) the index is built in 1.1 s instead of 1.9 on one core,
    # and finds 93.33% of the exact 10 nearest against 93.35%. Above, the centroids are in an HNSW graph
    # (finding a row's cells, and k-means assigning its sample, cost log cells) after 10 rounds.
    few = cells <= GRAPH_FLAT_CELLS
    centroids = (
        faiss.IndexFlatIP(dimensions) if few else faiss.IndexHNSWFlat(dimensions, 32, faiss.METRIC_INNER_PRODUCT)
    )
    index = faiss.IndexIVFScalarQuantizer(
        centroids, dimensions, cells, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    index.cp.niter, index.cp.seed = (5 if few else 10), 1
    index.clustering_index = (
        faiss.IndexFlatIP(dimensions) if few else faiss.IndexHNSWFlat(dimensions, 32, faiss.METRIC_INNER_PRODUCT)
    )
    sample = np.random.default_rng(0).choice(len(rows), min(len(rows), cells * GRAPH_TRAINING_PER_CELL), False)
    index.train(as_float32(vectors[rows[np.sort(sample)]]))
    for start in range(0, len(rows), GRAPH_BLOCK):
        index.add(as_float32(vectors[rows[start : start + GRAPH_BLOCK]]))
    index.nprobe = GRAPH_PROBES
    if isinstance(centroids, faiss.IndexHNSWFlat):
        centroids.hnsw.efSearch = 64
    return index


def _rescored(vectors: np.ndarray, rows: np.ndarray, queries: np.ndarray, found: np.ndarray, k: int):
    """The found neighbours (local positions, -1 for none) scored exactly, best k first."""
    scores = np.einsum("qd,qkd->qk", as_float32(vectors[queries]), as_float32(vectors[rows[np.maximum(found, 0)]]))
    scores = np.where(found >= 0, scores, -np.inf).astype(np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, 1), np.take_along_axis(found, order, 1)


def graph_index(vectors: np.ndarray, rows: np.ndarray) -> faiss.Index:
    """The index neighbour_graph searches `rows` of vectors in: exact up to GRAPH_EXACT_LIMIT rows, IVF above."""
    if len(rows) <= GRAPH_EXACT_LIMIT:
        return build_index(as_float32(vectors[rows]), vectors.shape[1])
    return _graph_index(vectors, rows)


def graph_rows(
    index: faiss.Index, vectors: np.ndarray, rows: np.ndarray, block: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """neighbour_graph's rows for `block` (positions within `rows`), searched in graph_index(vectors, rows)."""
    k = max(1, min(k, len(rows)))
    if len(rows) <= GRAPH_EXACT_LIMIT:
        return top_k(index, as_float32(vectors[rows[block]]), k)
    scores, positions = [], []
    for start in range(0, len(block), GRAPH_BLOCK):
        queries = rows[block[start : start + GRAPH_BLOCK]]
        _, found = top_k(index, as_float32(vectors[queries]), k + GRAPH_SPARE)
        block_scores, block_positions = _rescored(vectors, rows, queries, found, k)
        scores.append(block_scores)
        positions.append(block_positions)
    if not scores:
        return np.zeros((0, k), np.float32), np.full((0, k), -1, np.int64)
    return np.vstack(scores), np.vstack(positions)


def graph_cells(index: faiss.Index, vectors: np.ndarray, rows: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The IVF cell of each of `block` (positions within `rows`) in graph_index(vectors, rows), 0 for every row of
    an exact index: the rows of a cell are each other's likely neighbours."""
    if not isinstance(index, faiss.IndexIVF):
        return np.zeros(len(block), np.int64)
    cells = [
        index.quantizer.assign(as_float32(vectors[rows[block[start : start + GRAPH_BLOCK]]]), 1).reshape(-1)
        for start in range(0, len(block), GRAPH_BLOCK)
    ]
    return np.concatenate(cells).astype(np.int64) if cells else np.zeros(0, np.int64)


def neighbour_graph(vectors: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores and positions (within `rows`, default all) of each of `rows`' k nearest among `rows` (itself
    included; position -1 where fewer exist): an exact search up to GRAPH_EXACT_LIMIT rows, IVF above."""
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows, dtype=np.int64)
    k = max(1, min(k, len(rows)))
    if not len(rows):
        return np.zeros((0, k), np.float32), np.full((0, k), -1, np.int64)
    return graph_rows(graph_index(vectors, rows), vectors, rows, np.arange(len(rows)), k)
