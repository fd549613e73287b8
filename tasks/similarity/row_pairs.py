"""Pairs between the rows of one collection (dedup within a build and against the real rows), and what scoring
them needs.

Each row is compared with its nearest rows by embedding (and with any pair another finder proposes, such as
MinHash); the pair scorer reads the embedding features of tasks/similarity/collection.py (RowPairs.bounds) and the
text features of tasks/similarity/pair_features.py (text_scores, given the rows' profiles: tasks/dedup/plan.py
scores them block by block). Pairs are oriented later row -> earlier row, the way dedup keeps the first. Every
neighbour list those need comes from one k-NN graph of the collection (tasks/vectors/index.py), searched once:
scoring a pair then costs no search, however many pairs MinHash proposes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tasks import arrays
from tasks.similarity.collection import ITEM_DENSITY, QUERY_DENSITY, features_from_neighbours, pairs_from_neighbours
from tasks.similarity.pair_features import (
    EMBEDDING_FEATURES,
    Profile,
    idf_weights,
    pair_matrix,
    reads_text,
)
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import word_tokens
from tasks.vectors.index import as_float32, as_vectors, neighbour_graph

NEIGHBOURS = 10  # nearest rows each row is scored against
PAIR_BLOCK = 50_000
GRAPH_DEPTH = max(NEIGHBOURS + 1, QUERY_DENSITY + 2, ITEM_DENSITY + 2)  # itself, then the neighbours


class RowPairs:
    def __init__(
        self,
        texts: list[str],
        vectors: np.ndarray,
        rows: Sequence[int] | np.ndarray | None = None,
        scorer: PairScorer | None = None,
        near: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        """The collection is `rows` of texts (default all): the others are neither neighbours nor density.
        `near`: its neighbour_graph to GRAPH_DEPTH, when searched already (dedup's blocks of rows)."""
        self.texts, self.vectors = texts, as_vectors(vectors)
        self.rows = np.arange(len(texts)) if rows is None else np.asarray(rows, dtype=np.int64)
        self.local = np.full(len(texts), -1, np.int64)
        self.local[self.rows] = np.arange(len(self.rows))
        self.scorer = scorer or load_scorer()
        self.near = near or neighbour_graph(self.vectors, GRAPH_DEPTH, self.rows)  # in local positions
        self.idf = idf_weights(word_tokens(texts[r]) for r in self.rows) if reads_text(self.scorer.features) else {}

    def nearest(self, k: int = NEIGHBOURS) -> np.ndarray:
        """(later, earlier) pairs between each row and its k nearest rows, once each."""
        if len(self.rows) < 2:
            return np.zeros((0, 2), np.int64)
        found = pairs_from_neighbours(self.near[0][:, : k + 1], self.near[1][:, : k + 1], k, np.arange(len(self.rows)))
        ordered = np.sort(self.rows[found], axis=1)
        # One int64 per pair (later * size + earlier) sorts as the pairs do: np.unique over rows of two copied
        # the pairs several times over (10 pairs a row, 140 MB a copy at 870k rows).
        size = len(self.texts)
        codes = arrays.unique(ordered[:, 1] * size + ordered[:, 0])
        return np.stack([codes // size, codes % size], axis=1)

    def bounds(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(EMBEDDING_FEATURES of each pair, the highest score its text can lift it to), a block at a time: what
        scoring the pairs elsewhere (text_scores) needs besides their texts."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return pair_bounds(self.near, self.vectors, pairs, self.scorer, self.local)


def pair_bounds(
    near: tuple[np.ndarray, np.ndarray],
    vectors: np.ndarray,
    pairs: np.ndarray,
    scorer: PairScorer,
    local: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(EMBEDDING_FEATURES of each (later, earlier) pair of texts, the highest score its text can lift it to), a
    block of PAIR_BLOCK pairs at a time. `vectors`: the texts'; `near`: the neighbour graph (to GRAPH_DEPTH) of the
    collection's rows, in their positions `local[text]` (default: the texts are the rows). Either array may be a
    mapped file: only the pairs' rows are read."""
    blocks = [
        pair_embedding(near, vectors, pairs[start : start + PAIR_BLOCK], local)
        for start in range(0, len(pairs), PAIR_BLOCK)
    ]
    embedding = np.vstack(blocks) if blocks else np.zeros((0, len(EMBEDDING_FEATURES)))
    return embedding, scorer.most(embedding)


def pair_embedding(
    near: tuple[np.ndarray, np.ndarray], vectors: np.ndarray, pairs: np.ndarray, local: np.ndarray | None = None
) -> np.ndarray:
    at = pairs if local is None else local[pairs]  # the pairs' rows in the graph
    rows, back = np.unique(at[:, 0], return_inverse=True)
    depth = min(len(near[0]), ITEM_DENSITY + 2)
    return features_from_neighbours(
        (np.asarray(near[0][rows]), np.asarray(near[1][rows])),
        (np.asarray(near[0][at[:, 1], :depth]), np.asarray(near[1][at[:, 1], :depth])),
        np.einsum("ij,ij->i", as_float32(vectors[pairs[:, 0]]), as_float32(vectors[pairs[:, 1]])),
        np.stack([back.reshape(-1), at[:, 1]], axis=1),
        rows,
    )


def text_scores(
    profiles: Mapping[int, Profile], pairs: np.ndarray, embedding: np.ndarray, scorer: PairScorer, idf: dict
) -> np.ndarray:
    """The scorer's probability for each pair, from its EMBEDDING_FEATURES and its rows' text profiles."""
    return scorer(pair_matrix(profiles, profiles, pairs, embedding, idf, scorer.features))
