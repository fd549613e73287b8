"""Eval decontamination: no candidate may copy or rephrase an item of a registered held-out eval set.

Two signals, each checked against every eval item:
- word n-gram containment: the share of an eval item's n-grams that the candidate repeats (so a copied
  item inside a long candidate is caught, and a short generic phrase inside a long item is not);
- embedding similarity to the nearest eval items.
Either counts only when the candidate states every number the eval item states: "12 apples among 3"
and "9 apples among 3" share a template, not an item.
Input columns: id, instruction, input.  Output columns: score, nearest_eval_id, contaminated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from schemas.spec import Decontamination
from tasks.embeddings import embed_texts
from tasks.text_features import numbers_covered, numbers_in, word_ngrams, word_tokens
from tasks.vector_index import build_index, top_k

NEIGHBOURS = 5
MIN_NGRAM = 3
REASON = "eval_contamination"


@dataclass
class EvalIndex:
    """Every registered eval item, ready to be compared against: ids, n-grams, numbers and vectors."""

    ids: list[str]
    tokens: list[list[str]]
    numbers: list[frozenset[str]]
    vectors: np.ndarray
    ngram_size: int
    _ngrams: dict[int, dict[tuple, list[int]]] = field(default_factory=dict)

    def __post_init__(self):
        self.index = build_index(self.vectors)

    def postings(self, size: int) -> dict[tuple, list[int]]:
        """n-gram -> eval positions holding it, built once per n-gram size."""
        if size not in self._ngrams:
            table: dict[tuple, list[int]] = defaultdict(list)
            for position, tokens in enumerate(self.tokens):
                for gram in word_ngrams(tokens, size):
                    table[gram].append(position)
            self._ngrams[size] = dict(table)
        return self._ngrams[size]


def build_eval_index(ids: list[str], texts: list[str], ngram_size: int, embed: Callable = embed_texts) -> EvalIndex:
    return EvalIndex(
        ids=[str(i) for i in ids],
        tokens=[word_tokens(t) for t in texts],
        numbers=[numbers_in(t) for t in texts],
        vectors=embed(list(texts)),
        ngram_size=ngram_size,
    )


def ngram_containment(tokens: list[str], numbers: frozenset[str], evals: EvalIndex) -> tuple[float, int]:
    """(best containment, eval position) over eval items that share an n-gram and whose numbers the candidate states."""
    size = min(evals.ngram_size, len(tokens))
    if size < MIN_NGRAM:
        return 0.0, -1
    grams = word_ngrams(tokens, size)
    postings = evals.postings(size)
    shared = Counter(p for gram in grams for p in postings.get(gram, ()))
    best, best_position = 0.0, -1
    for position, count in shared.items():
        if not numbers_covered(evals.numbers[position], numbers):
            continue
        eval_grams = max(1, len(evals.tokens[position]) - size + 1)
        score = count / eval_grams
        if score > best:
            best, best_position = score, position
    return best, best_position


def score_contamination(texts: list[str], evals: EvalIndex, config: Decontamination, embed: Callable = embed_texts) -> pd.DataFrame:
    """One row per text, in order: score, nearest_eval_id, contaminated, and the two signals behind them."""
    vectors = embed(list(texts))
    cosines, positions = top_k(evals.index, vectors, NEIGHBOURS)
    rows = []
    for i, text in enumerate(texts):
        numbers = numbers_in(text)
        overlap, overlap_at = ngram_containment(word_tokens(text), numbers, evals)
        agreeing = [(float(s), int(p)) for s, p in zip(cosines[i], positions[i]) if p >= 0 and numbers_covered(evals.numbers[p], numbers)]
        cosine, cosine_at = agreeing[0] if agreeing else (float(cosines[i][0]), int(positions[i][0]))
        by_ngram = overlap >= config.ngram_threshold
        by_embedding = bool(agreeing) and cosine >= config.embedding_threshold
        nearest = overlap_at if by_ngram or (overlap > cosine and overlap_at >= 0) else cosine_at
        rows.append(
            {
                "score": max(overlap, cosine if agreeing else 0.0),
                "nearest_eval_id": evals.ids[nearest] if nearest >= 0 else None,
                "contaminated": by_ngram or by_embedding,
                "ngram_overlap": overlap,
                "cosine": cosine,
            }
        )
    return pd.DataFrame(rows, columns=["score", "nearest_eval_id", "contaminated", "ngram_overlap", "cosine"])
