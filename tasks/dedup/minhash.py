"""Lexical near duplicates with MinHash LSH (datasketch): texts sharing most of their word shingles, found in
sub-quadratic time, with the same numbers rule as the embedding near duplicates."""

from __future__ import annotations

from collections.abc import Collection

from datasketch import MinHash, MinHashLSH

from tasks.text_features import numbers_agree, numbers_in, word_tokens

NUM_PERM = 128
SHINGLE = 3
REASON = "lexical_near_duplicate"


def minhash(text: str) -> MinHash:
    tokens = word_tokens(text)
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))}
    signature = MinHash(num_perm=NUM_PERM, seed=1)
    signature.update_batch([s.encode() for s in shingles])
    return signature


def find_lexical_duplicates(
    texts: list[str], threshold: float, skip: Collection[int] = frozenset(), references: int = 0
) -> list[tuple[int, int, float]]:
    """(position, duplicate_of, estimated Jaccard) for each text, after the first `references`, whose shingles
    overlap an earlier kept text's by at least `threshold` and that states the same numbers."""
    index = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    signatures: dict[int, MinHash] = {}
    found: list[tuple[int, int, float]] = []
    for position, text in enumerate(texts):
        if position in skip:
            continue
        signature = minhash(text)
        numbers = numbers_in(text)
        matches = [
            (signature.jaccard(signatures[other]), other)
            for other in index.query(signature)
            if numbers_agree(numbers, numbers_in(texts[other])) and signature.jaccard(signatures[other]) >= threshold
        ]
        if matches and position >= references:
            score, kept = max(matches)
            found.append((position, kept, float(score)))
            continue
        index.insert(position, signature)
        signatures[position] = signature
    return found
