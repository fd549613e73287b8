"""Deciding a collection's duplicates in steps that share a folder, so the costly ones run block by block on any
worker (tasks/dedup_stages.py maps them; find_duplicates runs them one after another):

1. start_plan: exact duplicates, and the FAISS index of the other rows (the candidates) that their k-NN graph is
   searched in; the candidates' texts and vectors saved for the blocks;
2. search_rows, per block of candidates: each row's nearest rows and IVF cell (tasks/vectors/index.py), its
   MinHash signature and band keys (tasks/dedup/minhash.py) and its text profile (tasks/similarity/pair_features.py);
3. plan_pairs: the graph assembled, the pairs to score (MinHash-close pairs first, then each row's nearest rows,
   by cell), and, when given the rows' siblings' level, the build's own threshold
   (tasks/dedup/sibling_threshold.py: a sample of rows scored against their nearest rows);
4. score_block, per block of the pairs: each pair's embedding features and the most its text can lift it to
   (pair_bounds), then the scores of the live pairs (those whose bound reaches the threshold), the text part read
   from the rows' profiles (reading and comparing two texts' numbers is most of dedup's CPU time);
5. resolve_duplicates (tasks/dedup/duplicates.py) decides with the scores.

Each step reads only what it needs: arrays as .npy (a block maps its slice), texts and pickled profiles as Arrow
files (a block takes its rows), the scalars as JSON. The folder is written and read by one build's processes.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks import arrays
from tasks.dedup.block_memory import INDEX_READ, PROFILES_READ, WORKING, read_arrow, write_arrow, write_tables
from tasks.dedup.minhash import close_pairs, row_band_keys, row_signatures
from tasks.dedup.sibling_threshold import CROWD_RANK, adapted, sample_rows
from tasks.fingerprints import file_sha256
from tasks.shards import even_ranges
from tasks.similarity.collection import pairs_from_neighbours
from tasks.similarity.pair_features import profile_for, reads_text
from tasks.similarity.pair_scorer import PairScorer
from tasks.similarity.row_pairs import GRAPH_DEPTH, NEIGHBOURS, RowPairs, pair_bounds, text_scores
from tasks.text_features import exact_key
from tasks.vectors.index import graph_cells, graph_index, graph_rows, save_index

EXACT = "exact_duplicate"
NEAR = "near_duplicate"
ROW_BLOCK = 10_000  # the most candidates a search_rows block takes (a process loads the index once for all its blocks)
PAIR_ARRAYS = ("pairs", "jaccard", "near_scores", "near_positions")
# The files of start_plan and of plan_pairs that the later steps read: their content names a step's output in the
# next steps' cache keys (tasks/dedup_stages.py), so a folder planned again for other rows is never read as before.
PLAN_FILES = ("plan.json", "exact.npy", "candidates.npy", "texts.arrow", "vectors.npy")
PAIR_FILES = ("pairs.json", "numbered.npy", *(f"{name}.npy" for name in PAIR_ARRAYS))


@dataclass(frozen=True)
class Duplicate:
    position: int
    duplicate_of: int
    reason: str
    score: float


def find_exact_duplicates(texts: list[str], references: int = 0) -> list[Duplicate]:
    """Every text (after the first `references`) whose normal form was seen earlier, pointing at its first one."""
    first: dict[str, int] = {}
    found = []
    for position, text in enumerate(texts):
        key = exact_key(text)
        if key in first and position >= references:
            found.append(Duplicate(position, first[key], EXACT, 1.0))
        else:
            first.setdefault(key, position)
    return found


def _save_rows(path: Path, vectors: np.ndarray, rows: np.ndarray) -> None:
    """vectors[rows] as an .npy file (float16 kept, any other kind as float32), a block at a time: no copy of
    them all (0.7 GB at a million rows)."""
    kind = np.float16 if vectors.dtype == np.float16 else np.float32
    out = np.lib.format.open_memmap(path, mode="w+", dtype=kind, shape=(len(rows), vectors.shape[1]))
    for start in range(0, len(rows), ROW_BLOCK):
        out[start : start + ROW_BLOCK] = vectors[rows[start : start + ROW_BLOCK]]
    out.flush()
    del out


def _scalars(folder: Path, *names: str) -> dict:
    """plan.json's scalars (start_plan's), with those of the other JSON files named (plan_pairs' pairs.json)."""
    return {k: v for name in ("plan.json", *names) for k, v in json.loads((folder / name).read_text()).items()}


def plan_digest(folder: Path, names: tuple[str, ...]) -> list[str]:
    """The content of a step's files (PLAN_FILES, PAIR_FILES)."""
    return [file_sha256(folder / name) for name in names]


def start_plan(
    folder: Path,
    texts: list[str],
    vectors: np.ndarray,
    references: int,
    threshold: float,
    minhash_threshold: float | None,
    exact: list[Duplicate] | None = None,
) -> list[tuple[int, int]]:
    """Step 1: exact duplicates (find_exact_duplicates, unless the caller found them already) and the candidates'
    index, saved under folder. `threshold`: the operating point. Returns search_rows' blocks (ranges of
    candidates)."""
    folder.mkdir(parents=True, exist_ok=True)
    exact = find_exact_duplicates(texts, references) if exact is None else exact
    skipped = {d.position for d in exact}
    candidates = np.array([i for i in range(len(texts)) if i not in skipped], dtype=np.int64)
    np.save(folder / "exact.npy", np.array([(d.position, d.duplicate_of) for d in exact], np.int64).reshape(-1, 2))
    np.save(folder / "candidates.npy", candidates)
    _save_rows(folder / "vectors.npy", vectors, candidates)  # an exact duplicate's vector is never read
    write_arrow(folder / "texts.arrow", "text", [texts[i] for i in candidates.tolist()], pa.large_string())
    if len(candidates):
        save_index(
            graph_index(np.load(folder / "vectors.npy", mmap_mode="r"), np.arange(len(candidates))),
            folder / "graph.faiss",
        )
    scalars = {"rows": len(texts), "references": references, "threshold": threshold}
    (folder / "plan.json").write_text(json.dumps(scalars | {"minhash_threshold": minhash_threshold}))
    return even_ranges(len(candidates), ROW_BLOCK)


def search_rows(folder: Path, block: tuple[int, int], scorer: PairScorer) -> str:
    """Step 2 for candidates start..stop: their nearest candidates, cells, signatures, band keys and profiles, saved
    under folder/rows/<start>. Returns that folder."""
    start, stop = block
    scalars, out = _scalars(folder), folder / "rows" / f"{start:012d}"
    out.mkdir(parents=True, exist_ok=True)
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    everyone = np.arange(len(vectors))
    with WORKING:
        index = INDEX_READ.of(folder / "graph.faiss")
        scores, positions = graph_rows(index, vectors, everyone, np.arange(start, stop), GRAPH_DEPTH)
        cells = graph_cells(index, vectors, everyone, np.arange(start, stop))
    np.save(out / "cells.npy", cells)
    np.save(out / "near_scores.npy", scores)
    np.save(out / "near_positions.npy", positions)
    texts = read_arrow(folder / "texts.arrow", "text", np.arange(start, stop))
    if scalars["minhash_threshold"] is not None:
        signatures = row_signatures(texts)
        np.save(out / "signatures.npy", signatures)  # plan_pairs reads those of the rows in candidate pairs
        np.save(out / "keys.npy", row_band_keys(signatures, scalars["minhash_threshold"]))
    profile = profile_for(scorer.features)
    profiles = [profile(t) for t in texts]
    np.save(out / "numbered.npy", np.array([bool(p.mentions) for p in profiles], dtype=bool).reshape(-1))
    write_arrow(out / "profiles.arrow", "profile", [pickle.dumps(p, protocol=5) for p in profiles], pa.large_binary())
    return str(out)


@dataclass
class DuplicatePlan:
    rows: int  # texts compared, the references first
    references: int
    threshold: float  # for a pair whose two texts both state numbers (tasks/dedup/sibling_threshold.py)
    point: float  # for any other pair: the siblings say nothing of a pair whose numbers cannot be compared
    exact: list[Duplicate]
    lexical: int  # how many of `pairs`, first, are MinHash-close pairs (their estimates in `jaccard`)
    jaccard: np.ndarray
    pairs: np.ndarray  # (later, earlier) positions in the texts
    numbered: np.ndarray  # per text: whether it states a number

    @classmethod
    def load(cls, folder: Path) -> DuplicatePlan:
        scalars = _scalars(folder, "pairs.json")
        pairs, jaccard, numbered = (
            np.load(folder / f"{name}.npy", mmap_mode="r") for name in ("pairs", "jaccard", "numbered")
        )
        exact = [Duplicate(int(p), int(d), EXACT, 1.0) for p, d in np.load(folder / "exact.npy")]
        return cls(
            scalars["rows"], scalars["references"], scalars["threshold"], scalars["point"], exact, scalars["lexical"],
            jaccard, pairs, numbered,
        )  # fmt: skip

    def pair_thresholds(self) -> np.ndarray:
        """Each pair's threshold: `threshold` where both texts state numbers, `point` for the others."""
        both = self.numbered[self.pairs[:, 0]] & self.numbered[self.pairs[:, 1]] if len(self.pairs) else []
        return np.where(both, self.threshold, self.point)


def plan_pairs(
    folder: Path, searched: list[str], scorer: PairScorer, pair_block: int, siblings: float | None = None
) -> list[tuple[int, int]]:
    """Step 3, from search_rows' folders (in block order): the pairs to score, the graph, and every candidate's
    profile in one file. `siblings`: the rows' siblings' level (tasks/dedup/sibling_threshold.py), to lower the
    operating point to the build's own threshold; None keeps the point. Returns score_block's blocks (ranges of
    the pairs)."""
    INDEX_READ.forget()  # the search blocks are done: this process's copy of the index is not read again
    scalars = _scalars(folder)
    candidates = np.load(folder / "candidates.npy")
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    parts = [Path(p) for p in searched]
    near = (stacked(parts, "near_scores.npy", np.float32), stacked(parts, "near_positions.npy", np.int64))
    texts = read_arrow(folder / "texts.arrow", "text")
    local = np.arange(len(candidates))
    pairs = RowPairs(texts, vectors, local, scorer, near)  # positions among the candidates
    close, jaccard = np.zeros((0, 2), np.int64), np.zeros(0)
    if scalars["minhash_threshold"] is not None and parts:
        keys = stacked(parts, "keys.npy", np.uint64)
        close, jaccard = close_pairs(keys, partial(gathered, parts, "signatures.npy"), scalars["minhash_threshold"])
    nearest = pairs.nearest()
    if parts:  # by the later row's cell: a block's rows then come from a few cells, so a process reads each row's
        # profile in few blocks (a 10k memo at 84k rows read 4.5 profiles a row in index order, 1.4 by cell)
        cells = np.concatenate([np.load(part / "cells.npy") for part in parts])
        nearest = nearest[np.argsort(cells[nearest[:, 0]], kind="stable")]
    scored = np.vstack([close, nearest])
    idf = pairs.idf if reads_text(scorer.features) else {}
    np.save(folder / "pairs.npy", candidates[scored])  # positions in the texts from here on
    for name, array in zip(PAIR_ARRAYS[1:], (jaccard, *near)):
        np.save(folder / f"{name}.npy", array)
    if parts:  # the blocks' files copied one after another: no profile held as a Python object (0.5 GB at 1M rows)
        sources = [pa.memory_map(str(p / "profiles.arrow")) for p in parts]
        write_tables(folder / "profiles.arrow", [pa.ipc.open_file(source).read_all() for source in sources])
        for source in sources:
            source.close()
    else:
        write_arrow(folder / "profiles.arrow", "profile", [], pa.large_binary())
    numbered = np.zeros(scalars["rows"], dtype=bool)
    numbered[candidates] = np.concatenate([np.load(p / "numbered.npy") for p in parts]) if parts else []
    np.save(folder / "numbered.npy", numbered)
    point = threshold = scalars["threshold"]
    if siblings is not None:
        third = third_nearest_scores(folder, pairs, candidates, scorer, idf)
        threshold = adapted(point, siblings, third)
    # A file of its own: start_plan run again (a resumed build) rewrites plan.json, never plan_pairs' scalars.
    scalars_of_pairs = {"lexical": len(close), "idf": idf, "threshold": threshold, "point": point}
    (folder / "pairs.json").write_text(json.dumps(scalars_of_pairs))
    return even_ranges(len(scored), pair_block)


def third_nearest_scores(
    folder: Path, pairs: RowPairs, candidates: np.ndarray, scorer: PairScorer, idf: dict
) -> np.ndarray:
    """Each sampled candidate's CROWD_RANK-th best pair score among its NEIGHBOURS nearest rows (0 for a row with
    fewer), from the graph and the profiles plan_pairs saved."""
    sample = sample_rows(len(candidates))
    if not len(sample):
        return np.zeros(0)
    near = pairs.near[0][sample, : NEIGHBOURS + 1], pairs.near[1][sample, : NEIGHBOURS + 1]
    found = pairs_from_neighbours(*near, NEIGHBOURS, sample)
    local = np.stack([sample[found[:, 0]], found[:, 1]], axis=1)
    embedding, _ = pairs.bounds(local)
    texts_pairs = candidates[local]
    with WORKING:
        profiles = PROFILES_READ.of(folder, arrays.unique(texts_pairs))
        scores = text_scores(profiles, texts_pairs, embedding, scorer, idf)
    ranked = np.zeros((len(sample), NEIGHBOURS))  # each sampled row's scores, best first
    order = np.lexsort((-scores, found[:, 0]))
    rows = found[order, 0]
    ranked[rows, np.arange(len(rows)) - np.searchsorted(rows, rows)] = scores[order]
    return ranked[:, CROWD_RANK - 1]


def stacked(parts: list[Path], name: str, kind: type) -> np.ndarray:
    """The search blocks' arrays of one name, in block order (none: an empty one)."""
    return np.vstack([np.load(part / name) for part in parts]) if parts else np.zeros((0, 1), kind)


def gathered(parts: list[Path], name: str, rows: np.ndarray) -> np.ndarray:
    """`rows` (ascending positions among the candidates) of the search blocks' arrays of one name: each block's
    file mapped, only those rows read."""
    found, offset = [], 0
    for part in parts:
        array = np.load(part / name, mmap_mode="r")
        inside = rows[(rows >= offset) & (rows < offset + len(array))]
        found.append(np.asarray(array[inside - offset]))
        offset += len(array)
    return np.concatenate(found)


def score_block(folder: Path, block: tuple[int, int], scorer: PairScorer) -> np.ndarray:
    """Step 4: the scores of the pairs start..stop: each pair's bound (the most its text could lift it to), and for
    the live pairs (a bound at the threshold or above) the score, their rows' profiles read. Only those pairs'
    rows of the graph and the vectors are read."""
    scalars = _scalars(folder, "pairs.json")
    pairs = np.asarray(np.load(folder / "pairs.npy", mmap_mode="r")[block[0] : block[1]])
    local = np.searchsorted(np.load(folder / "candidates.npy", mmap_mode="r"), pairs)  # rows of the graph
    near = tuple(np.load(folder / f"{name}.npy", mmap_mode="r") for name in PAIR_ARRAYS[2:])
    with WORKING:
        embedding, scores = pair_bounds(near, np.load(folder / "vectors.npy", mmap_mode="r"), local, scorer)
        live = np.flatnonzero(scores >= scalars["threshold"])
        profiles = PROFILES_READ.of(folder, arrays.unique(pairs[live]))
        scores[live] = text_scores(profiles, pairs[live], embedding[live], scorer, scalars["idf"])
        return scores
