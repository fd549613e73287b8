"""Lexical near-duplicate candidates with MinHash LSH: texts sharing most of their word shingles, found in
sub-quadratic time; whether such a pair is a duplicate is for the caller's `same` to decide, all pairs in one
call (dedup asks the pair scorer, so "7 apples" and "9 apples" in one template stay two problems).
Signatures are datasketch's; the banding is datasketch's MinHashLSH's (its bands and rows for the threshold),
done over arrays: a row keeps a 64-bit key per band (72 bytes) and its signature (512 bytes, kept on disk by dedup's
search blocks: only the rows in candidate pairs are read again), not a MinHash object and its LSH entries (about
3 KB, 3 GB at a million rows)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from tasks import arrays
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


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """A 64-bit key per band of a signature: two texts share a band's bucket when the keys are equal."""
    raw = signature.astype(np.uint64).tobytes()
    width = rows * 8
    return [
        int.from_bytes(hashlib.blake2b(raw[b * width : (b + 1) * width], digest_size=8).digest(), "little")
        for b in range(bands)
    ]


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """(later, earlier) pairs of rows that share any band's key (keys: rows x bands), once each, in order."""
    size, codes = len(keys), []
    for band in keys.T:
        order = np.argsort(band, kind="stable")  # a bucket's rows ascending
        ordered = band[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        counts = np.diff(np.r_[starts, size])
        for count in arrays.unique(counts[counts > 1]).tolist():  # the buckets of each size at once: few sizes
            first = starts[counts == count][:, None]
            earlier, later = np.triu_indices(count, 1)
            codes.append((order[first + later] * size + order[first + earlier]).ravel())  # an int64 sorts as a pair
    if not codes:
        return np.zeros((0, 2), np.int64)
    unique = arrays.unique(np.concatenate(codes))
    return np.stack([unique // size, unique % size], axis=1)


def estimated_jaccard(signatures: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """MinHash's estimate (the share of equal signature values) for each pair of rows of signatures, a block at a
    time."""
    blocks = [
        np.mean(signatures[pairs[s : s + 50_000, 0]] == signatures[pairs[s : s + 50_000, 1]], axis=1)
        for s in range(0, len(pairs), 50_000)
    ]
    return np.concatenate(blocks) if blocks else np.zeros(0)


def band_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) of datasketch's MinHashLSH for the threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def row_signatures(texts: list[str]) -> np.ndarray:
    """Each text's MinHash signature (texts x NUM_PERM), as uint32: datasketch's values are below 2**32, so 512
    bytes a row instead of 1 KB."""
    signatures = np.empty((len(texts), NUM_PERM), dtype=np.uint32)
    for row, text in enumerate(texts):
        signatures[row] = minhash(text).hashvalues
    return signatures


def row_band_keys(signatures: np.ndarray, threshold: float) -> np.ndarray:
    """Each signature's band keys (rows x bands), filled row by row: a list of every row's keys as Python ints first
    held 0.6 KB a row."""
    bands, rows = band_shape(threshold)
    keys = np.empty((len(signatures), bands), dtype=np.uint64)
    for row, signature in enumerate(signatures):
        keys[row] = band_keys(signature, bands, rows)
    return keys


def close_pairs(
    keys: np.ndarray, signatures_of: Callable[[np.ndarray], np.ndarray], threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """((later, earlier) pairs of rows (positions in keys, the rows' band keys) whose estimated shingle Jaccard
    reaches `threshold`, each pair's estimate). signatures_of(rows): the signatures of those rows (ascending)
    only, the few in candidate pairs."""
    pairs = candidate_pairs(keys)
    rows = arrays.unique(pairs)
    jaccard = estimated_jaccard(signatures_of(rows), np.searchsorted(rows, pairs))
    close = jaccard >= threshold
    return pairs[close], jaccard[close]


def lexical_candidates(
    texts: list[str], threshold: float, skip: Collection[int] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """close_pairs of the texts outside `skip` (positions in texts): the pairs a caller then decides."""
    skipped = set(skip)
    members = np.array([p for p in range(len(texts)) if p not in skipped], dtype=np.int64)
    signatures = row_signatures([texts[p] for p in members.tolist()])
    close, jaccard = close_pairs(row_band_keys(signatures, threshold), signatures.__getitem__, threshold)
    return members[close], jaccard


def greedy_lexical(
    members: list[int], close: np.ndarray, jaccard: np.ndarray, accepted: np.ndarray, references: int = 0
) -> list[tuple[int, int, float]]:
    """(position, duplicate_of, estimated Jaccard) for each of `members` (in order), after the first
    `references`, that an accepted close pair links to a member kept before it."""
    matches: dict[int, list[tuple[float, int]]] = {}
    for (position, other), score, ok in zip(close.tolist(), jaccard.tolist(), accepted):
        if ok:
            matches.setdefault(position, []).append((score, other))
    kept: set[int] = set()
    found: list[tuple[int, int, float]] = []
    for position in members:  # greedy in input order: a match counts only with a row kept before it
        live = [(score, other) for score, other in matches.get(position, []) if other in kept]
        if live and position >= references:
            score, other = max(live)
            found.append((position, other, float(score)))
        else:
            kept.add(position)
    return found


def find_lexical_duplicates(
    texts: list[str],
    threshold: float,
    same: Callable[[np.ndarray], np.ndarray],
    skip: Collection[int] = frozenset(),
    references: int = 0,
) -> list[tuple[int, int, float]]:
    """(position, duplicate_of, estimated Jaccard) for each text, after the first `references`, whose shingles
    overlap an earlier kept text's by at least `threshold` and that `same` accepts (same: (position, earlier)
    pairs -> one bool each)."""
    close, jaccard = lexical_candidates(texts, threshold, skip)
    accepted = same(close) if len(close) else np.zeros(0, bool)
    skipped = set(skip)
    members = [p for p in range(len(texts)) if p not in skipped]
    return greedy_lexical(members, close, jaccard, accepted, references)
