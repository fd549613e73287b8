"""Eval decontamination: no candidate may copy or rephrase an item of a registered held-out eval set.

Each candidate is compared with its nearest eval items (tasks/decontaminate/eval_index.py: chunked items, ranked
by density-corrected score) and each (candidate, item) pair is scored by the pair scorer
(tasks/similarity/pair_scorer.py): the probability that the candidate restates the item, from the cosine and how
fully each side states the other's numbers, however written ("thrice" is 3 times). No single signal vetoes a
match. A candidate is contaminated when its best pair scores at the threshold the eval set calibrates on itself
for `false_positive_rate` (tasks/decontaminate/calibration.py), or when it repeats at
least `ngram_threshold` of an item's distinctive word n-grams and states every number of the item (a quoted copy).
Input: texts.  Output columns: score, nearest_eval_id, contaminated, ngram_overlap, cosine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from schemas.spec import Decontamination
from tasks.decontaminate.calibration import best_per_query
from tasks.decontaminate.eval_index import MIN_CALIBRATION_ITEMS, EvalIndex
from tasks.embeddings.encoder import encoder
from tasks.similarity.number_comparison import number_agreement
from tasks.similarity.numbers import number_mentions
from tasks.similarity.pair_features import profile
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import word_ngrams, word_tokens

MIN_COPIED_NGRAMS = 3  # fewer shared distinctive n-grams are too little to call a copy; the pair scorer judges it
REASON = "eval_contamination"
COLUMNS = ["score", "nearest_eval_id", "contaminated", "ngram_overlap", "cosine"]
DTYPES = {"score": float, "nearest_eval_id": object, "contaminated": bool, "ngram_overlap": float, "cosine": float}


def ngram_containment(text: str, evals: EvalIndex, ngram_size: int) -> tuple[float, int]:
    """(best containment, eval position): the share of an eval item's distinctive n-grams the candidate repeats,
    over items every number of which the candidate states (see EvalIndex.distinctive_ngrams)."""
    postings, distinctive = evals.distinctive_ngrams(ngram_size)
    shared = Counter(p for gram in word_ngrams(word_tokens(text), ngram_size) for p in postings.get(gram, ()))
    best, best_position, mentions = 0.0, -1, None
    for position, count in shared.most_common():
        score = count / distinctive[position]
        if count < MIN_COPIED_NGRAMS or score <= best:
            continue
        mentions = number_mentions(text) if mentions is None else mentions
        if number_agreement(list(evals.profile(position).mentions), mentions)[0] == 1.0:
            best, best_position = score, position
    return best, best_position


def threshold_source(evals: EvalIndex, config: Decontamination) -> str:
    """How decision_threshold chose its threshold, in words: a false_positive_rate set for a set too small to
    calibrate is not read, and says so."""
    if config.score_threshold is not None:
        return "score_threshold, as set"
    if len(evals.ids) < MIN_CALIBRATION_ITEMS:
        return (
            f"the pair model's small_eval_set operating point: {len(evals.ids)} eval items, under the "
            f"{MIN_CALIBRATION_ITEMS} a false_positive_rate needs (it is not read)"
        )
    return (
        f"calibrated on the {len(evals.ids)} eval items and their number twins at false_positive_rate "
        f"{config.false_positive_rate:g}"
    )


def decision_threshold(evals: EvalIndex, config: Decontamination, scorer: PairScorer | None = None) -> float:
    return (
        evals.threshold(config.false_positive_rate, scorer)
        if config.score_threshold is None
        else config.score_threshold
    )


def score_contamination(
    texts: list[str],
    evals: EvalIndex,
    config: Decontamination,
    embed: Callable | None = None,
    scorer: PairScorer | None = None,
) -> pd.DataFrame:
    """One row per text, in order: score (the pair scorer's probability for the best-scoring eval item),
    nearest_eval_id, contaminated (a quoted copy, or a score at the threshold), and the signals behind them."""
    if not texts:  # typed, so a mask made of it selects rows (an all-synthetic build has no real rows)
        return pd.DataFrame({name: pd.Series(dtype=DTYPES[name]) for name in COLUMNS})
    scorer = scorer or load_scorer()
    threshold = decision_threshold(evals, config, scorer)
    vectors = (embed or encoder())(list(texts))
    pairs, scores, embedding = evals.pair_scores([profile(t) for t in texts], vectors, scorer)
    best, at = best_per_query(pairs, scores, len(texts))
    rows = []
    for i, text in enumerate(texts):
        overlap, overlap_at = ngram_containment(text, evals, config.ngram_size)
        by_ngram = overlap >= config.ngram_threshold
        match_at = int(pairs[at[i], 1]) if at[i] >= 0 else -1
        nearest = overlap_at if by_ngram or match_at < 0 else match_at
        rows.append(
            {
                "score": float(best[i]) if np.isfinite(best[i]) else float("nan"),
                "nearest_eval_id": evals.ids[nearest] if nearest >= 0 else None,
                "contaminated": bool(by_ngram or best[i] >= threshold),
                "ngram_overlap": overlap,
                "cosine": float(embedding[at[i], 0]) if at[i] >= 0 else 0.0,
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
