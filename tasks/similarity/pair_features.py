"""Features of a (candidate, reference) pair for the pair scorer: does the candidate restate the reference?

Two kinds, concatenated in FEATURES order:
- embedding features, computed by the caller from its neighbour search (tasks/decontaminate/eval_index.py
  against the eval index, tasks/similarity/collection.py within a set of rows): the cosine, the
  density-corrected score (2*cosine minus how close each side usually is to its other neighbours), and the gap
  to the candidate's next-best reference;
- text features of the two texts: number agreement both ways (tasks/similarity/numbers.py), IDF-weighted token
  containment both ways, capitalised-name overlap, word n-gram containment (n = 1..3, and the copy length 8)
  both ways, length ratio and character-level similarity.
Number and name agreement are evidence centred on zero: +0.5 when every one is stated, -0.5 when none is, 0 when
neither text has any; numbers_all is +0.5 when both sides state all of each other's numbers and -0.5 when any
differs (one changed number makes another problem; the model's weight, not a veto, says how much).
numbers_consistent is minus the share of the smaller side's numbers the other side changed (a number added on
one side is no conflict; either side without numbers is 0), numbers_changed -1 when any number changed (one
changed number of four makes another problem as surely as all four; the model's weight, not a veto, says how
much), numbers_matched the numbers stated alike (up to 3, over 3; 0 without numbers, so two texts without numbers
do not count as agreeing). The pair model reads the subset that held across benchmarks (docs/detection.md); the
others stay measurable.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import token_set_ratio

from tasks.similarity.number_comparison import number_agreement, number_conflict
from tasks.similarity.numbers import Mention, number_mentions
from tasks.text_features import normalize_text, word_ngrams

EMBEDDING_FEATURES = ["cosine", "density_score", "gap"]
TEXT_FEATURES = [
    "numbers_forward",
    "numbers_backward",
    "numbers_all",
    "numbers_consistent",
    "numbers_matched",
    "numbers_changed",
    "rare_forward",
    "rare_backward",
    "names_forward",
    "names_backward",
    "gram1_forward",
    "gram1_backward",
    "gram2_forward",
    "gram2_backward",
    "gram3_forward",
    "gram3_backward",
    "copy_backward",
    "length_ratio",
    "char_ratio",
    "token_set",
]
FEATURES = EMBEDDING_FEATURES + TEXT_FEATURES
NUMBER_AGREEMENT, NUMBER_CONFLICT, BEYOND_NUMBERS = TEXT_FEATURES[:3], TEXT_FEATURES[3:6], TEXT_FEATURES[6:]
NUMBER_CONFLICT_ONLY = frozenset(EMBEDDING_FEATURES + NUMBER_CONFLICT)
# The values each text feature can take: what the text of a pair can add to its score at most
# (tasks/similarity/pair_scorer.py's PairScorer.most), so pairs that cannot reach a threshold skip the text.
TEXT_FEATURE_RANGES = (
    {name: (0.0, 1.0) for name in TEXT_FEATURES}
    | {
        name: (-0.5, 0.5)
        for name in ("numbers_forward", "numbers_backward", "numbers_all", "names_forward", "names_backward")
    }
    | {"numbers_consistent": (-1.0, 0.0), "numbers_changed": (-1.0, 0.0)}
)
GRAM_SIZES = (1, 2, 3)
COPY_SIZE = 8  # the n-gram length of a copied passage (as tasks/decontaminate/contamination.py's copy rule)
MAX_CHARS = 2000  # character similarity on longer texts costs more than it tells
_WORD = re.compile(r"[^\W_][\w'-]*|[.?!:]")


def names_in(text: str) -> frozenset[str]:
    """Capitalised words not opening a sentence (names, places, acronyms), folded."""
    names, opening = set(), True
    for word in _WORD.findall(text or ""):
        if word in ".?!:":
            opening = True
            continue
        if word[0].isupper() and (not opening or word.isupper() and len(word) > 1):
            names.add(word.casefold())
        opening = False
    return frozenset(names)


@dataclass(frozen=True)
class Profile:
    tokens: tuple[str, ...]
    grams: tuple[frozenset, ...]  # one set per GRAM_SIZES, then the COPY_SIZE-grams
    mentions: tuple[Mention, ...]
    names: frozenset[str]
    text: str  # normal form, cut at MAX_CHARS


def profile(text: str) -> Profile:
    """What the text features of one text need, computed once per text."""
    normal = normalize_text(text)
    tokens = tuple(normal.split())
    grams = tuple(frozenset(word_ngrams(list(tokens), n)) for n in (*GRAM_SIZES, COPY_SIZE))
    names = names_in(text)
    return Profile(tokens, grams, tuple(number_mentions(text)), names, normal[:MAX_CHARS])


def reads_text(features: Collection[str]) -> bool:
    """Whether a model reading `features` needs any text feature beyond the numbers (n-grams, names, IDF)."""
    return not set(features).isdisjoint(BEYOND_NUMBERS)


def profile_for(features: Collection[str]) -> Callable[[str], Profile]:
    """profile, or for a model that reads no text feature beyond the numbers, a profile of the numbers alone
    (a tenth of the cost: no n-grams, names or normal form)."""
    if reads_text(features):
        return profile
    return lambda text: Profile(
        (), (frozenset(),) * (len(GRAM_SIZES) + 1), tuple(number_mentions(text)), frozenset(), ""
    )


def idf_weights(documents: Iterable[Iterable[str]]) -> dict[str, float]:
    """Inverse document frequency of each token over a reference collection's token lists (rare tokens weigh
    more); a token the collection never saw weighs as its rarest."""
    frequency: Counter[str] = Counter()
    total = 1
    for tokens in documents:
        frequency.update(set(tokens))
        total += 1
    return {token: math.log(total / (count + 0.5)) for token, count in frequency.items()}


def _containment(left: frozenset, right: frozenset) -> float:
    """Share of left's elements found in right; 1 when left is empty (nothing to find)."""
    return len(left & right) / len(left) if left else 1.0


def _weighted(left: frozenset, right: frozenset, idf: dict[str, float], unseen: float) -> float:
    weights = {t[0]: idf.get(t[0], unseen) for t in left}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if (t,) in right) / total if total else 1.0


def _evidence(share: float, present: bool) -> float:
    """A share as evidence: +0.5 all found, -0.5 none found, 0 when there was nothing to find."""
    return share - 0.5 if present else 0.0


def text_features(
    candidate: Profile, reference: Profile, idf: dict[str, float], unseen: float, needed: frozenset[str] | None = None
) -> list[float]:
    """TEXT_FEATURES of one pair; "forward" is the candidate's share found in the reference. With `needed`,
    each group of features none of which is needed is left 0 (a model reads few of them; they cost the most)."""

    def wanted(names: list[str]) -> bool:
        return needed is None or not needed.isdisjoint(names)

    values = [0.0] * len(TEXT_FEATURES)
    numbers = bool(candidate.mentions or reference.mentions)
    if wanted(NUMBER_AGREEMENT):
        forward, backward = number_agreement(list(candidate.mentions), list(reference.mentions))
        values[:3] = [
            _evidence(forward, numbers),
            _evidence(backward, numbers),
            _evidence(float(forward == backward == 1.0), numbers),
        ]
    if wanted(NUMBER_CONFLICT):
        changed, matched = number_conflict(list(candidate.mentions), list(reference.mentions))
        values[3:6] = [-changed, matched, -float(changed > 0)]
    if not wanted(BEYOND_NUMBERS):
        return values
    names = bool(candidate.names or reference.names)
    grams = []
    for a, b in zip(candidate.grams[: len(GRAM_SIZES)], reference.grams[: len(GRAM_SIZES)]):
        grams += [_containment(a, b), _containment(b, a)]
    lengths = sorted((len(candidate.tokens), len(reference.tokens)))
    values[6:] = [
        _weighted(candidate.grams[0], reference.grams[0], idf, unseen),
        _weighted(reference.grams[0], candidate.grams[0], idf, unseen),
        _evidence(_containment(candidate.names, reference.names), names),
        _evidence(_containment(reference.names, candidate.names), names),
        *grams,
        len(reference.grams[-1] & candidate.grams[-1]) / len(reference.grams[-1]) if reference.grams[-1] else 0.0,
        lengths[0] / lengths[1] if lengths[1] else 1.0,
        Indel.normalized_similarity(candidate.text, reference.text),
        token_set_ratio(candidate.text, reference.text) / 100.0,
    ]
    return values


def pair_matrix(
    candidates: Sequence[Profile] | Mapping[int, Profile],
    references: Sequence[Profile] | Mapping[int, Profile],
    pairs: np.ndarray,
    embedding: np.ndarray,
    idf: dict[str, float],
    needed: Collection[str] | None = None,
) -> np.ndarray:
    """FEATURES for each (candidate position, reference position) row of `pairs`, with `embedding` holding the
    EMBEDDING_FEATURES of each pair in the same order (with `needed`, text features outside it may be 0)."""
    only = frozenset(needed) if needed is not None else None
    embedding = np.asarray(embedding, dtype=np.float64).reshape(len(pairs), len(EMBEDDING_FEATURES))
    if only is not None and only <= NUMBER_CONFLICT_ONLY:  # the shipped model's: the numbers compared, no more
        matrix = np.zeros((len(pairs), len(FEATURES)))
        matrix[:, : len(EMBEDDING_FEATURES)] = embedding
        conflicts = [number_conflict(candidates[i].mentions, references[j].mentions) for i, j in pairs]
        if conflicts:
            matrix[:, FEATURES.index("numbers_consistent")] = [-changed for changed, _ in conflicts]
            matrix[:, FEATURES.index("numbers_matched")] = [matched for _, matched in conflicts]
            matrix[:, FEATURES.index("numbers_changed")] = [-float(changed > 0) for changed, _ in conflicts]
        return matrix
    unseen = max(idf.values(), default=1.0)
    text = [text_features(candidates[i], references[j], idf, unseen, only) for i, j in pairs]
    text_array = np.asarray(text, dtype=np.float64).reshape(len(pairs), len(TEXT_FEATURES))
    return np.hstack([embedding, text_array])
