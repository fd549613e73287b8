"""Lexical near-duplicate candidates with MinHash LSH (datasketch): texts sharing most of their word shingles,
found in sub-quadratic time; whether such a pair is a duplicate is for the caller's `same` to decide (dedup
asks the pair scorer, so "7 apples" and "9 apples" in one template stay two problems)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cache

from datasketch import MinHash, MinHashLSH

from tasks.text_features import word_tokens

NUM_PERM = 128
SHINGLE = 3
REASON = "lexical_near_duplicate"


@cache
def _template() -> MinHash:
    # MinHash draws its permutations from its seed on every construction: a tenth of the pass at 5k rows.
    return MinHash(num_perm=NUM_PERM, seed=1)


def minhash(text: str) -> MinHash:
    tokens = word_tokens(text)
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))}
    template = _template()
    signature = MinHash(num_perm=NUM_PERM, seed=1, permutations=template.permutations, scheme=template.scheme)
    signature.update_batch([s.encode() for s in shingles])
    return signature


def find_lexical_duplicates(
    texts: list[str],
    threshold: float,
    same: Callable[[int, int], bool],
    skip: Collection[int] = frozenset(),
    references: int = 0,
) -> list[tuple[int, int, float]]:
    """(position, duplicate_of, estimated Jaccard) for each text, after the first `references`, whose shingles
    overlap an earlier kept text's by at least `threshold` and that `same(position, earlier)` accepts."""
    index = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[int, MinHash] = {}
    found: list[tuple[int, int, float]] = []
    for position, text in enumerate(texts):
        if position in skip:
            continue
        signature = minhash(text)
        matches = [
            (signature.jaccard(signatures[other]), other)
            for other in index.query(signature)
            if signature.jaccard(signatures[other]) >= threshold and same(position, other)
        ]
        if matches and position >= references:
            score, kept = max(matches)
            found.append((position, kept, float(score)))
            continue
        index.insert(position, signature)
        signatures[position] = signature
    return found
