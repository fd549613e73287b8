"""Embedding features of (query, reference) pairs within a collection of rows (dedup, the published index).

The same three the eval index gives decontamination (tasks/decontaminate/eval_index.py), defined the same way:
- cosine of the two vectors;
- density-corrected score: 2*cosine minus the reference's density (mean similarity of its ITEM_DENSITY nearest
  other references, the query left out) minus the query's (mean of its QUERY_DENSITY nearest references);
- gap: cosine minus the query's best similarity to any other reference.
A query may itself be in the collection (dedup): `self_positions` names its place so it is never its own
neighbour; -1 for queries from outside.
"""

from __future__ import annotations

import faiss
import numpy as np

from tasks.vectors.index import top_k

ITEM_DENSITY = 3
QUERY_DENSITY = 10


def _without(cosines: np.ndarray, positions: np.ndarray, drop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's neighbours with the positions in `drop` (one or two columns per row) and missing ones set to -inf."""
    mask = (positions < 0) | np.any(positions[:, :, None] == drop[:, None, :], axis=2)
    return np.where(mask, -np.inf, cosines), np.where(mask, -1, positions)


def _first_mean(cosines: np.ndarray, count: int) -> np.ndarray:
    """Mean of each row's first `count` finite values (rows are sorted best first); 0 with none."""
    finite = np.isfinite(cosines)
    take = finite & (np.cumsum(finite, axis=1) <= count)
    total = np.where(take, cosines, 0.0).sum(axis=1)
    return np.where(take.any(axis=1), total / np.maximum(take.sum(axis=1), 1), 0.0)


def pair_embedding_features(
    index: faiss.Index, queries: np.ndarray, references: np.ndarray, pairs: np.ndarray, self_positions: np.ndarray
) -> np.ndarray:
    """(cosine, density_score, gap) per (query row, reference position) pair; `references` holds the
    referenced vectors (rows of the index) in the order of `pairs`."""
    if not len(pairs):
        return np.zeros((0, 3))
    r = pairs[:, 1]
    near = top_k(index, queries, min(index.ntotal, QUERY_DENSITY + 2))
    # One search per distinct reference (a row is the reference of many pairs), spread back over the pairs.
    # (a reference outside the index, position -1, is searched on its own)
    _, first, back = np.unique(np.where(r >= 0, r, -1 - np.arange(len(r))), return_index=True, return_inverse=True)
    ref_cos, ref_pos = top_k(index, references[first], min(index.ntotal, ITEM_DENSITY + 2))
    cosine = np.einsum("ij,ij->i", queries[pairs[:, 0]], references)
    return features_from_neighbours(
        near, (ref_cos[back.reshape(-1)], ref_pos[back.reshape(-1)]), cosine, pairs, self_positions
    )


def features_from_neighbours(
    near: tuple[np.ndarray, np.ndarray],
    reference_near: tuple[np.ndarray, np.ndarray],
    cosine: np.ndarray,
    pairs: np.ndarray,
    self_positions: np.ndarray,
) -> np.ndarray:
    """pair_embedding_features from neighbour lists already found: `near` holds each query's QUERY_DENSITY + 2
    nearest (scores, positions), `reference_near` each pair's reference's ITEM_DENSITY + 2 nearest, `cosine`
    each pair's cosine."""
    q, r = pairs[:, 0], pairs[:, 1]
    near_cos, near_pos = _without(near[0], near[1], self_positions[:, None])
    query_density = _first_mean(near_cos, QUERY_DENSITY)[q]
    others_cos, _ = _without(near_cos[q], near_pos[q], r[:, None])
    best_other = np.max(others_cos, axis=1)
    best_other = np.where(np.isfinite(best_other), best_other, 0.0)
    ref_cos, _ = _without(reference_near[0], reference_near[1], np.stack([r, self_positions[q]], axis=1))
    return np.stack(
        [cosine, 2 * cosine - _first_mean(ref_cos, ITEM_DENSITY) - query_density, cosine - best_other], axis=1
    )


def neighbour_pairs(index: faiss.Index, queries: np.ndarray, k: int, self_positions: np.ndarray) -> np.ndarray:
    """(query row, reference position) for each query's k nearest references other than itself."""
    cosines, positions = top_k(index, queries, min(index.ntotal, k + 1))
    return pairs_from_neighbours(cosines, positions, k, self_positions)


def pairs_from_neighbours(cosines: np.ndarray, positions: np.ndarray, k: int, self_positions: np.ndarray) -> np.ndarray:
    """neighbour_pairs from neighbour lists already found (at least k + 1 columns, best first)."""
    cosines, positions = _without(cosines, positions, self_positions[:, None])
    rows, cols = np.nonzero(positions >= 0)
    keep = np.cumsum(positions >= 0, axis=1)[rows, cols] <= k
    return np.stack([rows[keep], positions[rows[keep], cols[keep]]], axis=1).astype(np.int64)
