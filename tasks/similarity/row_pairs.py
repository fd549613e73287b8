"""Pair scores between the rows of one collection (dedup within a build and against the real rows).

Each row is compared with its nearest rows by embedding (and with any pair another finder proposes, such as
MinHash); the pair scorer reads the embedding features of tasks/similarity/collection.py and the text features
of tasks/similarity/pair_features.py. Pairs are oriented later row -> earlier row, the way dedup keeps the first.
Every neighbour list those need comes from one k-NN graph of the collection (tasks/vectors/index.py), searched
once: scoring a pair then costs no search, however many pairs MinHash proposes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import fields

import numpy as np

from tasks.similarity.collection import ITEM_DENSITY, QUERY_DENSITY, features_from_neighbours, pairs_from_neighbours
from tasks.similarity.pair_features import Profile, idf_weights, pair_matrix, profile_for, reads_text
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import word_tokens
from tasks.vectors.index import as_float32, as_vectors, neighbour_graph

NEIGHBOURS = 10  # nearest rows each row is scored against
PAIR_BLOCK = 50_000
PROFILES = 100_000  # text profiles kept for a model that reads the text beyond its numbers (a few KB each)
GRAPH_DEPTH = max(NEIGHBOURS + 1, QUERY_DENSITY + 2, ITEM_DENSITY + 2)  # itself, then the neighbours


class RowPairs:
    def __init__(
        self, texts: list[str], vectors: np.ndarray, rows: list[int] | None = None, scorer: PairScorer | None = None
    ):
        """The collection is `rows` of texts (default all): the others are neither neighbours nor density."""
        self.texts, self.vectors = texts, as_vectors(vectors)
        self.rows = np.arange(len(texts)) if rows is None else np.asarray(rows, dtype=np.int64)
        self.local = np.full(len(texts), -1, np.int64)
        self.local[self.rows] = np.arange(len(self.rows))
        self.scorer = scorer or load_scorer()
        self.near = neighbour_graph(self.vectors, GRAPH_DEPTH, self.rows)  # in local positions
        self.idf = idf_weights(word_tokens(texts[r]) for r in self.rows) if reads_text(self.scorer.features) else {}
        self._profiles: OrderedDict[int, Profile] = OrderedDict()
        self._profile = profile_for(self.scorer.features)
        self._every_row = not reads_text(self.scorer.features)
        self._fields: list[tuple | None] = [None] * len(texts) if self._every_row else []
        self._shared: dict[Hashable, Hashable] = {}

    def profile(self, row: int) -> Profile:
        """The row's text profile: a pure function of the text, so one computed again is the same. A profile of
        the numbers alone is computed once per row and kept for every row, its fields' values shared between rows
        (the same number mentions recur: 0.27 KB a row against 1.1 KB); a profile that reads the text is kept for
        the PROFILES rows used last (every row's held a gigabyte at 870k rows)."""
        if self._every_row:
            kept = self._fields[row]
            if kept is None:
                made = self._profile(self.texts[row])
                kept = self._fields[row] = tuple(self._share(getattr(made, f.name)) for f in fields(Profile))
            return Profile(*kept)
        if row in self._profiles:
            self._profiles.move_to_end(row)
            return self._profiles[row]
        found = self._profiles[row] = self._profile(self.texts[row])
        if len(self._profiles) > PROFILES:
            self._profiles.popitem(last=False)
        return found

    def _share(self, value: Hashable) -> Hashable:
        """An equal value already kept, if any (a tuple's items one by one; a tuple of empty items as a whole)."""
        if isinstance(value, tuple):
            value = tuple(self._shared.setdefault(item, item) for item in value)
            return self._shared.setdefault(value, value) if not any(value) else value
        return self._shared.setdefault(value, value)

    def nearest(self, k: int = NEIGHBOURS) -> np.ndarray:
        """(later, earlier) pairs between each row and its k nearest rows, once each."""
        if len(self.rows) < 2:
            return np.zeros((0, 2), np.int64)
        found = pairs_from_neighbours(self.near[0][:, : k + 1], self.near[1][:, : k + 1], k, np.arange(len(self.rows)))
        ordered = np.sort(self.rows[found], axis=1)
        # One int64 per pair (later * size + earlier) sorts as the pairs do: np.unique over rows of two copied
        # the pairs several times over (10 pairs a row, 140 MB a copy at 870k rows).
        size = len(self.texts)
        codes = np.unique(ordered[:, 1] * size + ordered[:, 0])
        return np.stack([codes // size, codes % size], axis=1)

    def scores(self, pairs: Iterable[tuple[int, int]], at_least: float | None = None) -> np.ndarray:
        """The pair scorer's probability that the first row of each pair restates the second; with `at_least`,
        a pair that cannot reach it (tasks/similarity/pair_scorer.py's most) gets that bound instead, its text
        unread (most pairs of nearest rows: their cosine alone is too low)."""
        pairs = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs, dtype=np.int64).reshape(-1, 2)
        # A block of pairs at a time: each pair's vectors and neighbour lists at once are 15 GB at a million rows.
        blocks = [
            self._scores(pairs[start : start + PAIR_BLOCK], at_least) for start in range(0, len(pairs), PAIR_BLOCK)
        ]
        return np.concatenate(blocks) if blocks else np.zeros(0)

    def _scores(self, pairs: np.ndarray, at_least: float | None) -> np.ndarray:
        rows, back = np.unique(pairs[:, 0], return_inverse=True)
        local = np.stack([back.reshape(-1), self.local[pairs[:, 1]]], axis=1)
        depth = min(len(self.rows), ITEM_DENSITY + 2)
        embedding = features_from_neighbours(
            (self.near[0][self.local[rows]], self.near[1][self.local[rows]]),
            (self.near[0][local[:, 1], :depth], self.near[1][local[:, 1], :depth]),
            np.einsum("ij,ij->i", as_float32(self.vectors[pairs[:, 0]]), as_float32(self.vectors[pairs[:, 1]])),
            local,
            self.local[rows],
        )
        scores = self.scorer.most(embedding)
        live = scores >= at_least if at_least is not None else np.ones(len(pairs), bool)
        profiles = {int(r): self.profile(int(r)) for r in np.unique(pairs[live])}
        matrix = pair_matrix(profiles, profiles, pairs[live], embedding[live], self.idf, self.scorer.features)
        scores[live] = self.scorer(matrix)
        return scores
