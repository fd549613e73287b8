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

from collections.abc import Callable

import numpy as np

from tasks.decontaminate.twins import one_number_twins
from tasks.similarity.pair_features import EMBEDDING_FEATURES, pair_matrix, profile
from tasks.similarity.pair_scorer import PairScorer

SIBLING_SHARE = 0.0075  # as the operating point's share of distinct development rows
SIBLING_SAMPLE = 2000  # rows sampled for each null
SIBLING_MINIMUM = 20  # fewer twins: the operating point stands
CROWD_RANK = 3  # the third-best neighbour: past a row's duplicate and a sibling


def sample_rows(count: int) -> np.ndarray:
    """The rows both nulls sample (ascending)."""
    return np.sort(np.random.default_rng(0).choice(count, min(SIBLING_SAMPLE, count), replace=False))


def reads_only_cosine_and_numbers(scorer: PairScorer) -> bool:
    """Whether a pair of a row and its twin has every feature the scorer reads: the collection-relative ones
    (density-corrected score, gap) have no value for a twin against its own row."""
    return not {"density_score", "gap"} & set(scorer.features)


def sibling_scores(
    texts: list[str], row_vectors: Callable[[list[str]], np.ndarray], embed: Callable[[list[str]], np.ndarray],
    scorer: PairScorer,
) -> np.ndarray:  # fmt: skip
    """Pair scores of sampled rows' one-number twins (one a row with numbers) against their own rows."""
    rng, sources, twins = np.random.default_rng(1), [], []
    for position in sample_rows(len(texts)):
        if ones := one_number_twins(texts[int(position)]):
            sources.append(texts[int(position)])
            twins.append(ones[int(rng.integers(len(ones)))])
    if not twins:
        return np.zeros(0)
    embedding = np.zeros((len(twins), len(EMBEDDING_FEATURES)))
    embedding[:, EMBEDDING_FEATURES.index("cosine")] = np.einsum("ij,ij->i", embed(twins), row_vectors(sources))
    pairs = np.stack([np.arange(len(twins))] * 2, axis=1)
    profiles = [profile(t) for t in twins], [profile(s) for s in sources]
    return scorer(pair_matrix(*profiles, pairs, embedding, {}, scorer.features))


def sibling_level(
    texts: list[str], row_vectors: Callable[[list[str]], np.ndarray], embed: Callable[[list[str]], np.ndarray],
    scorer: PairScorer,
) -> float | None:  # fmt: skip
    """The score SIBLING_SHARE of the rows' one-number twins reach against their rows; None (the operating point
    stands) for fewer than SIBLING_MINIMUM twins or a scorer that reads collection-relative features."""
    if not reads_only_cosine_and_numbers(scorer):
        return None
    siblings = sibling_scores(texts, row_vectors, embed, scorer)
    return float(np.quantile(siblings, 1 - SIBLING_SHARE)) if len(siblings) >= SIBLING_MINIMUM else None


def adapted(point: float, siblings: float, third_nearest: np.ndarray) -> float:
    """The build's threshold: the higher of the siblings' level and the score SIBLING_SHARE of the sampled rows'
    third-nearest rows reach, never above the operating point."""
    crowd = float(np.quantile(third_nearest, 1 - SIBLING_SHARE)) if len(third_nearest) else point
    return round(min(point, max(siblings, crowd)), 6)
