"""Eval decontamination: no candidate may copy or rephrase an item of a registered held-out eval set.

Two signals, each checked against every eval item (see tasks/decontaminate/eval_index.py for how items are indexed):
- word n-gram containment: the share of an eval item's n-grams that the candidate repeats (so a copied
  item inside a long candidate is caught, and a short generic phrase inside a long item is not);
- a density-corrected embedding match against the items' chunks: 2*cosine minus how close the chunk usually
  is to other items and how close the candidate usually is to eval items, flagged above the threshold the
  eval set calibrates on itself for `false_positive_rate`.
An n-gram copy counts only when the candidate states every number of the item, an embedding match only when
the candidate's numbers allow it (text_features.may_restate): "12 apples among 3" and "9 apples among 3"
share a template, not an item.
Input: texts.  Output columns: score, nearest_eval_id, contaminated, ngram_overlap, cosine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from schemas.spec import Decontamination
from tasks.decontaminate.eval_index import EvalIndex
from tasks.embeddings.encoder import encoder
from tasks.text_features import may_restate, number_counts, numbers_covered, word_ngrams, word_tokens

MIN_COSINE = 0.7  # below this the model calls texts related, not the same item
MIN_COPIED_NGRAMS = 3  # fewer shared distinctive n-grams are too little to call a copy; embeddings judge it
REASON = "eval_contamination"
COLUMNS = ["score", "nearest_eval_id", "contaminated", "ngram_overlap", "cosine"]
DTYPES = {"score": float, "nearest_eval_id": object, "contaminated": bool, "ngram_overlap": float, "cosine": float}


def ngram_containment(
    tokens: list[str], numbers: frozenset[str], evals: EvalIndex, ngram_size: int
) -> tuple[float, int]:
    """(best containment, eval position): the share of an eval item's distinctive n-grams the candidate repeats,
    over items whose numbers the candidate states (see EvalIndex.distinctive_ngrams)."""
    postings, distinctive = evals.distinctive_ngrams(ngram_size)
    shared = Counter(p for gram in word_ngrams(tokens, ngram_size) for p in postings.get(gram, ()))
    best, best_position = 0.0, -1
    for position, count in shared.items():
        if count < MIN_COPIED_NGRAMS or not numbers_covered(frozenset(evals.number_counts[position]), numbers):
            continue
        score = count / distinctive[position]
        if score > best:
            best, best_position = score, position
    return best, best_position


def embedding_match(
    scores: np.ndarray, cosines: np.ndarray, chunks: np.ndarray, counts: Counter[str], evals: EvalIndex
) -> tuple[float, float, int]:
    """(score, cosine, item position) of the best-scoring chunk at least MIN_COSINE similar that the
    candidate's numbers allow it to restate (text_features.may_restate)."""
    for score, cosine, chunk in zip(scores, cosines, chunks):
        if chunk < 0 or not np.isfinite(score) or cosine < MIN_COSINE:
            continue
        item = int(evals.owner[chunk])
        if may_restate(evals.number_counts[item], evals.chunk_numbers[chunk], counts):
            return float(score), float(cosine), item
    return float("-inf"), 0.0, -1


def decision_threshold(evals: EvalIndex, config: Decontamination) -> float:
    return evals.threshold(config.false_positive_rate) if config.score_threshold is None else config.score_threshold


def score_contamination(
    texts: list[str], evals: EvalIndex, config: Decontamination, embed: Callable | None = None
) -> pd.DataFrame:
    """One row per text, in order: score (the density-corrected similarity of the best match), nearest_eval_id,
    contaminated (an n-gram copy, or a score at the threshold), and the signals behind them."""
    if not texts:  # typed, so a mask made of it selects rows (an all-synthetic build has no real rows)
        return pd.DataFrame({name: pd.Series(dtype=DTYPES[name]) for name in COLUMNS})
    threshold = decision_threshold(evals, config)
    scores, cosines, chunks = evals.match_scores((embed or encoder())(list(texts)))
    rows = []
    for i, text in enumerate(texts):
        counts = number_counts(text)
        overlap, overlap_at = ngram_containment(word_tokens(text), frozenset(counts), evals, config.ngram_size)
        score, cosine, match_at = embedding_match(scores[i], cosines[i], chunks[i], counts, evals)
        by_ngram = overlap >= config.ngram_threshold
        nearest = overlap_at if by_ngram or match_at < 0 else match_at
        rows.append(
            {
                "score": score if np.isfinite(score) else float("nan"),
                "nearest_eval_id": evals.ids[nearest] if nearest >= 0 else None,
                "contaminated": by_ngram or score >= threshold,
                "ngram_overlap": overlap,
                "cosine": cosine,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def check_contamination(
    texts: list[str], evals: EvalIndex, config: Decontamination, embed: Callable | None = None, cache=None, client=None
) -> tuple[pd.DataFrame, dict]:
    """score_contamination, then (with config.llm_judge) the LLM's decision on the borderline rows: the
    verdicts (with a `judge` column) and the judge's counts."""
    verdicts = score_contamination(texts, evals, config, embed)
    if config.llm_judge is None:
        return verdicts, {}
    from tasks.decontaminate.judge import judge_borderline

    items = dict(zip(evals.ids, evals.texts))
    return judge_borderline(
        verdicts,
        list(texts),
        items,
        decision_threshold(evals, config),
        config.ngram_threshold,
        config.llm_judge,
        cache,
        client,
    )
