"""Lexical near-duplicate candidates with MinHash LSH: texts sharing most of their word shingles, found in
sub-quadratic time; whether such a pair is a duplicate is for the caller's `same` to decide, all pairs in one
call (dedup asks the pair scorer, so "7 apples" and "9 apples" in one template stay two problems).
Signatures are datasketch's; the banding is datasketch's MinHashLSH's (its bands and rows for the threshold),
done over arrays: a row keeps a 64-bit key per band (72 bytes), not a MinHash object and its LSH entries (about
3 KB, 3 GB at a million rows), and the signatures of the few rows in candidate pairs are computed again."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from functools import cache

import numpy as np
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


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """A 64-bit key per band of a signature: two texts share a band's bucket when the keys are equal."""
    raw = signature.astype(np.uint64).tobytes()
    width = rows * 8
    return [
        int.from_bytes(hashlib.blake2b(raw[b * width : (b + 1) * width], digest_size=8).digest(), "little")
        for b in range(bands)
    ]


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """(later, earlier) pairs of rows that share any band's key (keys: rows x bands), once each."""
    found = []
    for band in keys.T:
        order = np.argsort(band, kind="stable")
        runs = np.flatnonzero(np.diff(band[order]) != 0) + 1
        for group in np.split(order, runs):
            if len(group) > 1:
                later, earlier = np.triu_indices(len(group), 1)
                found.append(np.stack([group[earlier], group[later]], axis=1))
    if not found:
        return np.zeros((0, 2), np.int64)
    pairs = np.sort(np.vstack(found), axis=1)[:, ::-1]
    return np.unique(pairs, axis=0)


def estimated_jaccard(texts: list[str], pairs: np.ndarray) -> np.ndarray:
    """MinHash's estimate (the share of equal signature values) for each pair of texts, a block at a time."""
    rows = np.unique(pairs)
    # datasketch's values are below 2**32: 512 bytes a row instead of 1 KB
    signatures = np.array([minhash(texts[r]).hashvalues for r in rows], dtype=np.uint32).reshape(len(rows), NUM_PERM)
    places = np.searchsorted(rows, pairs)
    blocks = [
        np.mean(signatures[places[s : s + 50_000, 0]] == signatures[places[s : s + 50_000, 1]], axis=1)
        for s in range(0, len(pairs), 50_000)
    ]
    return np.concatenate(blocks) if blocks else np.zeros(0)


def band_shape(threshold: float) -> tuple[int, int]:
    """(bands, rows per band) of datasketch's MinHashLSH for the threshold."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def row_band_keys(texts: list[str], threshold: float) -> np.ndarray:
    """Each text's band keys (texts x bands), filled row by row: a list of every row's keys as Python ints first
    held 0.6 KB a row."""
    bands, rows = band_shape(threshold)
    keys = np.empty((len(texts), bands), dtype=np.uint64)
    for row, text in enumerate(texts):
        keys[row] = band_keys(minhash(text).hashvalues, bands, rows)
    return keys


def close_pairs(
    texts: list[str], members: np.ndarray, keys: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """((later, earlier) pairs of `members` (positions in texts, ascending; keys: their band keys, in order) whose
    estimated shingle Jaccard reaches `threshold`, each pair's estimate)."""
    pairs = members[candidate_pairs(keys)]
    jaccard = estimated_jaccard(texts, pairs)
    close = jaccard >= threshold
    return pairs[close], jaccard[close]


def lexical_candidates(
    texts: list[str], threshold: float, skip: Collection[int] = frozenset()
) -> tuple[np.ndarray, np.ndarray]:
    """close_pairs of the texts outside `skip`: the pairs a caller then decides."""
    skipped = set(skip)
    members = np.array([p for p in range(len(texts)) if p not in skipped], dtype=np.int64)
    return close_pairs(texts, members, row_band_keys([texts[p] for p in members.tolist()], threshold), threshold)


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
