"""Pair scores between the rows of one collection (dedup within a build and against the real rows).

Each row is compared with its nearest rows by embedding (and with any pair another finder proposes, such as
MinHash); the pair scorer reads the embedding features of tasks/similarity/collection.py and the text features
of tasks/similarity/pair_features.py. Pairs are oriented later row -> earlier row, the way dedup keeps the first.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tasks.similarity.collection import neighbour_pairs, pair_embedding_features
from tasks.similarity.pair_features import Profile, idf_weights, pair_matrix, profile
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import word_tokens
from tasks.vectors.index import build_index

NEIGHBOURS = 10  # nearest rows each row is scored against


class RowPairs:
    def __init__(
        self, texts: list[str], vectors: np.ndarray, rows: list[int] | None = None, scorer: PairScorer | None = None
    ):
        """The collection is `rows` of texts (default all): the others are neither neighbours nor density."""
        self.texts, self.vectors = texts, np.ascontiguousarray(vectors, dtype=np.float32)
        self.rows = np.arange(len(texts)) if rows is None else np.asarray(rows, dtype=np.int64)
        self.local = np.full(len(texts), -1, np.int64)
        self.local[self.rows] = np.arange(len(self.rows))
        self.scorer = scorer or load_scorer()
        self.index = build_index(self.vectors[self.rows], dimensions=self.vectors.shape[1])
        self.idf = idf_weights(word_tokens(texts[r]) for r in self.rows)
        self._profiles: dict[int, Profile] = {}

    def profile(self, row: int) -> Profile:
        if row not in self._profiles:
            self._profiles[row] = profile(self.texts[row])
        return self._profiles[row]

    def nearest(self, k: int = NEIGHBOURS) -> np.ndarray:
        """(later, earlier) pairs between each row and its k nearest rows, once each."""
        if len(self.rows) < 2:
            return np.zeros((0, 2), np.int64)
        found = neighbour_pairs(self.index, self.vectors[self.rows], k, np.arange(len(self.rows)))
        return np.unique(np.sort(self.rows[found], axis=1)[:, ::-1], axis=0)

    def scores(self, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
        """The pair scorer's probability that the first row of each pair restates the second."""
        pairs = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs, dtype=np.int64).reshape(-1, 2)
        if not len(pairs):
            return np.zeros(0)
        # One query per distinct row, not per pair: a row has ten pairs, and each query searches the whole index.
        rows, back = np.unique(pairs[:, 0], return_inverse=True)
        embedding = pair_embedding_features(
            self.index,
            self.vectors[rows],
            self.vectors[pairs[:, 1]],
            np.stack([back.reshape(-1), self.local[pairs[:, 1]]], axis=1),
            self.local[rows],
        )
        profiles = {int(r): self.profile(int(r)) for r in np.unique(pairs)}
        return self.scorer(pair_matrix(profiles, profiles, pairs, embedding, self.idf))
