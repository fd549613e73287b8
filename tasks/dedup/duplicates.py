"""Deduplication: exact duplicates by normalised-text hash, near duplicates by the pair scorer.

Near-duplicate candidates are each row's nearest rows by embedding and (with minhash_threshold) the rows
MinHash finds lexically close; each pair is decided by the same pair scorer as decontamination
(tasks/similarity/pair_scorer.py) at dedup's own operating point. Two rows that restate the same task, however
worded and however their numbers are written, are duplicates; two template rows that differ only in their
numbers ask different things and are not: how many of a template to keep is the diversity cap's question
(tasks/dedup/cluster_cap.py).
Reference rows (the real data) come first and are never dropped: a synthetic row that repeats one is. So are
rows published before (tasks/dedup/published_index.py): a new row that repeats one is dropped.
Input columns: id, instruction, input (the text compared).
Output columns: the rows kept; the others go to quarantine with duplicate_of and score.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np
import pandas as pd

from schemas import records as col
from tasks.dedup.block_memory import forget_profiles
from tasks.dedup.minhash import REASON as LEXICAL
from tasks.dedup.minhash import greedy_lexical
from tasks.dedup.plan import (
    NEAR,
    Duplicate,
    DuplicatePlan,
    find_exact_duplicates,
    plan_pairs,
    score_block,
    search_rows,
    start_plan,
)
from tasks.dedup.published_index import PublishedIndex
from tasks.dedup.sibling_threshold import sibling_level
from tasks.embeddings.encoder import encoder
from tasks.embeddings.row_vectors import VectorsByText
from tasks.quarantine import to_quarantine
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.similarity.row_pairs import PAIR_BLOCK
from tasks.text_features import comparable_text


def dedup_threshold(threshold: float | None, scorer: PairScorer | None = None) -> float:
    """The pair-score threshold: the given one, else the pair model's dedup operating point."""
    return (scorer or load_scorer()).operating_points["dedup"] if threshold is None else threshold


def greedy_near(
    candidates: list[int], nearest: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray, references: int = 0
) -> list[Duplicate]:
    """Greedy in input order: each of `candidates` (after the first `references`) is dropped when it and an
    earlier row not dropped here, among each other's nearest rows, score at least `threshold` (one, or one a pair)."""
    earlier: dict[int, list[tuple[float, int]]] = {}
    hits = scores >= threshold  # only these as Python lists: every pair's was 1.4 KB a row
    for (row, other), score in zip(nearest[hits].tolist(), scores[hits].tolist()):
        earlier.setdefault(row, []).append((score, other))
    dropped: set[int] = set()
    found = []
    for row in candidates:
        matches = [(score, other) for score, other in earlier.get(row, []) if other not in dropped]
        if matches and row >= references:
            score, kept = max(matches)
            dropped.add(row)
            found.append(Duplicate(row, kept, NEAR, score))
    return found


def vectors_of(texts: list[str], embed: Callable[[list[str]], np.ndarray], rows: list[int]) -> np.ndarray:
    """The texts' vectors as far as `rows` go: a VectorsByText's own array, not a copy, when each of `rows` is its
    text's first position there (dedup's texts are the stage's, in order: a copy would hold every vector twice);
    the vectors of the other rows are then their own, not their text's first."""
    if isinstance(embed, VectorsByText) and len(embed.vectors) == len(texts):
        first = np.fromiter((embed.first[text] for text in texts), np.int64, len(texts))
        return embed.vectors if np.array_equal(first[rows], rows) else embed.vectors[first]
    return embed(texts)


def resolve_duplicates(plan: DuplicatePlan, scores: np.ndarray) -> list[Duplicate]:
    """Exact, then lexical, then semantic near duplicates, sorted by position, given the scores of the plan's pairs
    (score_block's: a pair whose bound is under the threshold has its bound)."""
    found = list(plan.exact)
    exact = {d.position for d in found}
    members = [i for i in range(plan.rows) if i not in exact]
    close = slice(0, plan.lexical)
    thresholds = plan.pair_thresholds()
    same = scores[close] >= thresholds[close]
    lexical = greedy_lexical(members, plan.pairs[close], plan.jaccard, same, plan.references)
    found += [Duplicate(position, kept, LEXICAL, score) for position, kept, score in lexical]
    dropped = {d.position for d in found}
    candidates = [i for i in range(plan.rows) if i not in dropped]
    nearest = slice(plan.lexical, len(plan.pairs))
    near = greedy_near(candidates, plan.pairs[nearest], scores[nearest], thresholds[nearest], plan.references)
    return sorted(found + near, key=lambda d: d.position)


def find_duplicates(
    texts: list[str],
    threshold: float | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    references: int = 0,
    minhash_threshold: float | None = None,
    scorer: PairScorer | None = None,
) -> list[Duplicate]:
    """Exact, then (with minhash_threshold) lexical, then semantic near duplicates, sorted by position; both
    kinds of near duplicate are decided by the pair scorer at `threshold` (default: the build's own,
    tasks/dedup/sibling_threshold.py). The first `references` texts are never dropped."""
    return decide_duplicates(texts, threshold, embed, references, minhash_threshold, scorer)[0]


def decide_duplicates(
    texts: list[str],
    threshold: float | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    references: int = 0,
    minhash_threshold: float | None = None,
    scorer: PairScorer | None = None,
) -> tuple[list[Duplicate], tuple[float, float]]:
    """(find_duplicates' duplicates, the thresholds they were decided at: for pairs that both state numbers, and
    for the others). The steps of tasks/dedup/plan.py, here one after another."""
    scorer = scorer or load_scorer()
    embed = embed or encoder()
    with tempfile.TemporaryDirectory(prefix="synthfactory-dedup-") as work:
        folder = Path(work)
        exact = find_exact_duplicates(texts, references)
        skip = {d.position for d in exact}
        vectors = vectors_of(texts, embed, [i for i in range(len(texts)) if i not in skip])
        siblings = None if threshold is not None else sibling_level(texts, embed, embed, scorer)
        limit = dedup_threshold(threshold, scorer)
        row_blocks = start_plan(folder, texts, vectors, references, limit, minhash_threshold, exact)
        searched = [search_rows(folder, block, scorer) for block in row_blocks]
        blocks = plan_pairs(folder, searched, scorer, PAIR_BLOCK, siblings)
        scores = [score_block(folder, block, scorer) for block in blocks]
        forget_profiles()
        plan = DuplicatePlan.load(folder)
        return resolve_duplicates(plan, np.concatenate(scores) if scores else np.zeros(0)), (plan.threshold, plan.point)


def published_duplicates(
    frame: pd.DataFrame,
    published: PublishedIndex,
    threshold: float | None,
    embed,
    text_of=comparable_text,
    judged: Collection[str] = (),
    point: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows new to the dataset, quarantined rows that repeat an earlier version's row, duplicate_of naming it);
    `judged` ids are rows rebuilt (PublishedIndex.duplicates); `point`: the threshold of a pair whose two texts do
    not both state numbers (default `threshold`)."""
    texts = text_of(frame)
    ids = frame[col.ID].astype(str).tolist()
    limit = dedup_threshold(threshold)
    found = published.duplicates(ids, texts, embed(texts), limit, judged=judged, unnumbered=point)
    positions = [f[0] for f in found]
    dropped = frame.iloc[positions]
    quarantined = to_quarantine(
        dropped,
        "dedup",
        pd.Series([f[2] for f in found], index=dropped.index),
        score=pd.Series([f[3] for f in found], index=dropped.index),
        duplicate_of=pd.Series([f[1] for f in found], index=dropped.index),
        detail="repeats a row published before",
    )
    return frame.drop(index=dropped.index), quarantined


def rebuilt_first(frame: pd.DataFrame, published: PublishedIndex, judged: Collection[str] = ()) -> pd.DataFrame:
    """frame with the rows built before (a published row's id, or one of `judged`) ahead of the new ones, each
    kept in its order (and index): a new row that repeats a rebuilt one is then the row dedup drops, as the
    published check would, never the rebuilt row in its place. frame itself when they are ahead already."""
    rebuilt = frame[col.ID].astype(str).isin(set(published.rows["id"]) | set(judged)).to_numpy()
    if rebuilt[: rebuilt.sum()].all():
        return frame
    return pd.concat([frame[rebuilt], frame[~rebuilt]])


def dedup_rows(
    frame: pd.DataFrame,
    threshold: float | None,
    embed=None,
    references: pd.DataFrame | None = None,
    minhash_threshold: float | None = None,
    published: PublishedIndex | None = None,
    text_of=comparable_text,
    judged: Collection[str] = (),
    found: list[Duplicate] | None = None,
    point: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept rows, quarantined duplicates with duplicate_of set to the kept, reference or published row's id).
    `found`: the in-build duplicates already decided (tasks/dedup_stages.py: the references' and frame's texts,
    in this order, planned and scored shard by shard, with `threshold` and `point` the plan's); by default
    decide_duplicates decides them here, at the build's own thresholds (tasks/dedup/sibling_threshold.py) unless
    `threshold` is set.
    Among the rows and against the references first, then the rows kept against the published ones; rows are
    compared on text_of(frame) (the record's text fields). In that order the in-build verdicts depend on the
    build's rows alone: checked against the published rows first, a rebuild of the same inputs lost the rows
    that repeat its own published rows before the in-build pass, whose nearest rows then changed, and one pair
    near the threshold that the first build never compared (0.9026 over 0.9021) published a new version. With
    published rows, the rebuilt rows go first (rebuilt_first)."""
    if published is not None:
        frame = rebuilt_first(frame, published, judged)
    if not frame.index.equals(pd.RangeIndex(len(frame))):  # reset_index copies every row, even where it changes none
        frame = frame.reset_index(drop=True)
    embed = embed or encoder()
    references = references if references is not None else frame.iloc[0:0]
    texts = text_of(references) + text_of(frame)
    if found is None:
        found, (threshold, point) = decide_duplicates(texts, threshold, embed, len(references), minhash_threshold)
    ids = pd.concat([references[col.ID], frame[col.ID]], ignore_index=True).to_numpy()
    duplicates = [Duplicate(d.position - len(references), d.duplicate_of, d.reason, d.score) for d in found]
    positions = [d.position for d in duplicates]
    dropped = frame.iloc[positions]
    quarantined = [
        to_quarantine(
            dropped,
            "dedup",
            pd.Series([d.reason for d in duplicates], index=dropped.index),
            score=pd.Series([d.score for d in duplicates], index=dropped.index),
            duplicate_of=pd.Series(ids[[d.duplicate_of for d in duplicates]], index=dropped.index),
        )
    ]
    kept = frame.drop(index=positions).reset_index(drop=True)
    if published is not None:
        kept, repeats = published_duplicates(kept, published, threshold, embed, text_of, judged, point)
        kept = kept.reset_index(drop=True)
        quarantined.append(repeats)
    return kept, pd.concat(quarantined, ignore_index=True)
