"""Dedup's threshold for one build: the pair model's dedup operating point, lowered in a build whose rows are far
apart, down to just above the build's own siblings.

The operating point comes from development collections whose distinct rows are topical neighbours (MMLU, MRPC):
the score 0.75% of them reach against their nearest rows. In a build of numeric tasks (word problems) a
rephrasing that writes its numbers otherwise sits under it, while the build's distinct rows sit far lower. Two
label-free nulls of the build's own say how far under the point dedup may go (docs/detection.md, seventeenth round):
- siblings: two rows that differ in one number ask different things, a question for the diversity cap
  (tasks/dedup/cluster_cap.py), never a duplicate. A sample of rows, each with one of its numbers changed
  (tasks/decontaminate/twins.py one_number_twins), scored against the row it came from; a restatement states
  every number of its row, however written, and scores above them;
- third-nearest rows: each sampled row's third-best pair score among its nearest rows. A row has a duplicate, or a
  duplicate and a sibling, closer than that, so in a build of distinct tasks it stands for how close distinct rows
  come; in a crowd (rows that share a frame, MMLU's moral scenarios; a template's many restatements) it is high.
The threshold is the higher of the two nulls' scores at SIBLING_SHARE, never above the point: the point where the
rows crowd or carry no numbers, lower where they are far apart. Deterministic in the rows and their order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tasks.decontaminate.twins import one_number_twins
from tasks.similarity.pair_features import EMBEDDING_FEATURES, pair_matrix, profile
from tasks.similarity.pair_scorer import PairScorer

SIBLING_SHARE = 0.0075  # as the operating point's share of distinct development rows
SIBLING_SAMPLE = 2000  # rows sampled for each null
SIBLING_MINIMUM = 20  # fewer twins: the operating point stands
CROWD_RANK = 3  # the third-best neighbour: past a row's duplicate and a sibling
SAMPLE_FILES = ("siblings.json", "siblings.npy")  # save_sample's, in a dedup plan's folder


def sample_rows(count: int) -> np.ndarray:
    """The rows both nulls sample (ascending)."""
    return np.sort(np.random.default_rng(0).choice(count, min(SIBLING_SAMPLE, count), replace=False))


def reads_only_cosine_and_numbers(scorer: PairScorer) -> bool:
    """Whether a pair of a row and its twin has every feature the scorer reads: the collection-relative ones
    (density-corrected score, gap) have no value for a twin against its own row."""
    return not {"density_score", "gap"} & set(scorer.features)


def sibling_sample(texts: list[str]) -> tuple[list[str], list[str]]:
    """(sampled rows that state a number, a one-number twin of each): deterministic in the texts."""
    rng, sources, twins = np.random.default_rng(1), [], []
    for position in sample_rows(len(texts)):
        if ones := one_number_twins(texts[int(position)]):
            sources.append(texts[int(position)])
            twins.append(ones[int(rng.integers(len(ones)))])
    return sources, twins


def twin_scores(
    sources: list[str], twins: list[str], source_vectors: np.ndarray, twin_vectors: np.ndarray, scorer: PairScorer
) -> np.ndarray:
    """Pair scores of each twin against its source row, from both texts' vectors."""
    if not twins:
        return np.zeros(0)
    embedding = np.zeros((len(twins), len(EMBEDDING_FEATURES)))
    embedding[:, EMBEDDING_FEATURES.index("cosine")] = np.einsum("ij,ij->i", twin_vectors, source_vectors)
    pairs = np.stack([np.arange(len(twins))] * 2, axis=1)
    profiles = [profile(t) for t in twins], [profile(s) for s in sources]
    return scorer(pair_matrix(*profiles, pairs, embedding, {}, scorer.features))


def sibling_scores(
    texts: list[str], row_vectors: Callable[[list[str]], np.ndarray], embed: Callable[[list[str]], np.ndarray],
    scorer: PairScorer,
) -> np.ndarray:  # fmt: skip
    """Pair scores of sampled rows' one-number twins (one a row with numbers) against their own rows."""
    sources, twins = sibling_sample(texts)
    if not twins:
        return np.zeros(0)
    return twin_scores(sources, twins, row_vectors(sources), embed(twins), scorer)


def level_of(siblings: np.ndarray) -> float | None:
    """The score SIBLING_SHARE of the twins reach; None (the operating point stands) for fewer than
    SIBLING_MINIMUM twins."""
    return float(np.quantile(siblings, 1 - SIBLING_SHARE)) if len(siblings) >= SIBLING_MINIMUM else None


def sibling_level(
    texts: list[str], row_vectors: Callable[[list[str]], np.ndarray], embed: Callable[[list[str]], np.ndarray],
    scorer: PairScorer,
) -> float | None:  # fmt: skip
    """The score SIBLING_SHARE of the rows' one-number twins reach against their rows; None (the operating point
    stands) for fewer than SIBLING_MINIMUM twins or a scorer that reads collection-relative features."""
    if not reads_only_cosine_and_numbers(scorer):
        return None
    return level_of(sibling_scores(texts, row_vectors, embed, scorer))


def save_sample(folder: Path, texts: list[str], row_vectors: Callable[[list[str]], np.ndarray]) -> None:
    """The twins sibling_level scores, with their rows and the rows' vectors, under folder (SAMPLE_FILES), for
    sampled_level to score in any process (tasks/dedup_stages.py: beside the rows' search). No texts: no twins."""
    sources, twins = sibling_sample(texts)
    (folder / SAMPLE_FILES[0]).write_text(json.dumps({"sources": sources, "twins": twins}))
    np.save(folder / SAMPLE_FILES[1], row_vectors(sources) if sources else np.zeros((0, 0), np.float32))


def sampled_level(folder: Path, embed: Callable[[list[str]], np.ndarray], scorer: PairScorer) -> float | None:
    """sibling_level of the rows save_sample saw, from its files: the twins embedded here."""
    sample = json.loads((folder / SAMPLE_FILES[0]).read_text())
    if not reads_only_cosine_and_numbers(scorer) or len(sample["twins"]) < SIBLING_MINIMUM:
        return None
    source_vectors = np.load(folder / SAMPLE_FILES[1])
    return level_of(twin_scores(sample["sources"], sample["twins"], source_vectors, embed(sample["twins"]), scorer))


def adapted(point: float, siblings: float, third_nearest: np.ndarray) -> float:
    """The build's threshold: the higher of the siblings' level and the score SIBLING_SHARE of the sampled rows'
    third-nearest rows reach, never above the operating point."""
    crowd = float(np.quantile(third_nearest, 1 - SIBLING_SHARE)) if len(third_nearest) else point
    return round(min(point, max(siblings, crowd)), 6)
