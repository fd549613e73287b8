"""Registered eval items, indexed for contamination checks and calibrated against themselves.

Each item is indexed whole and as its sentences (tasks/decontaminate/chunking.py), with:
- every chunk's density: its mean similarity to the nearest chunks of *other* eval items. A match against a
  generic chunk ("Which of the following is true?") means little, one against a distinctive chunk means much;
- a threshold calibrated on the eval set itself: distinct items of one benchmark are the hardest negatives
  there are, so the score that only `false_positive_rate` of items reach against their nearest *other* item
  is where a match starts to mean "the same item". No labels, no threshold tuned to one benchmark.
Built once per eval set content (vectors come from the embedding cache) and persisted.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from tasks.decontaminate import chunking
from tasks.decontaminate.chunking import bounded_item, chunks
from tasks.embeddings.bundled_model import no_vectors
from tasks.text_features import number_counts, word_ngrams, word_tokens
from tasks.vectors.index import build_index, load_index, save_index, top_k

SEARCH_DEPTH = 128  # chunks fetched per query; items are ranked on the best of theirs
ITEM_DENSITY = 3  # a chunk's density: mean similarity of its nearest chunks of this many other items
QUERY_DENSITY = 10  # a candidate's density: mean of its nearest chunk similarities
CALIBRATION_SAMPLE = 2000
MIN_CALIBRATION_ITEMS = 200
SMALL_SET_THRESHOLD = 0.4  # the calibrated 5% threshold of a 14k-item benchmark, for sets too small to calibrate
BOILERPLATE_ITEMS = 3


@dataclass
class EvalIndex:
    ids: list[str]
    texts: list[str]
    owner: np.ndarray  # chunk -> item position
    chunk_numbers: list[Counter[str]]
    vectors: np.ndarray  # one unit vector per chunk
    density: np.ndarray  # per chunk
    calibration: np.ndarray  # each sampled item's best score against the other items
    index: faiss.Index
    _tokens: list[list[str]] | None = None
    _numbers: list[Counter[str]] | None = None
    _ngrams: dict[int, tuple[dict[tuple, list[int]], np.ndarray]] = field(default_factory=dict)

    @property
    def tokens(self) -> list[list[str]]:
        if self._tokens is None:
            self._tokens = [word_tokens(t) for t in self.texts]
        return self._tokens

    @property
    def number_counts(self) -> list[Counter[str]]:
        if self._numbers is None:
            self._numbers = [number_counts(t) for t in self.texts]
        return self._numbers

    def distinctive_ngrams(self, size: int) -> tuple[dict[tuple, list[int]], np.ndarray]:
        """(n-gram -> eval positions holding it, distinctive n-grams per item), built once per size. An n-gram
        held by more than BOILERPLATE_ITEMS items ("which of the following is true about the") is the
        benchmark's boilerplate, not an item's content, and is left out of both."""
        if size not in self._ngrams:
            table: dict[tuple, list[int]] = defaultdict(list)
            for position, tokens in enumerate(self.tokens):
                for gram in word_ngrams(tokens, size):
                    table[gram].append(position)
            postings = {gram: positions for gram, positions in table.items() if len(positions) <= BOILERPLATE_ITEMS}
            counts = np.zeros(len(self.texts), np.int64)
            for positions in postings.values():
                np.add.at(counts, positions, 1)
            self._ngrams[size] = (postings, counts)
        return self._ngrams[size]

    def threshold(self, false_positive_rate: float) -> float:
        """The score reached by `false_positive_rate` of eval items against their nearest other item."""
        if len(self.calibration) < MIN_CALIBRATION_ITEMS:
            return SMALL_SET_THRESHOLD
        return float(np.quantile(self.calibration, 1 - false_positive_rate))

    def match_scores(
        self, queries: np.ndarray, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(score, cosine, chunk) per query and fetched chunk, best first: 2*cosine minus the chunk's and the
        query's densities, so a match stands out only if it is closer than either's usual neighbours."""
        cosines, positions = top_k(self.index, queries, SEARCH_DEPTH)
        if exclude is not None:
            cosines = np.where(self.owner[np.maximum(positions, 0)] == exclude[:, None], -1.0, cosines)
        valid = positions >= 0
        query_density = np.sort(np.where(valid, cosines, -1.0), axis=1)[:, ::-1][:, :QUERY_DENSITY].mean(
            axis=1, keepdims=True
        )
        scores = 2 * cosines - self.density[np.maximum(positions, 0)] - query_density
        scores = np.where(valid & (cosines > -1.0), scores, -np.inf)
        order = np.argsort(-scores, axis=1, kind="stable")
        return (
            np.take_along_axis(scores, order, axis=1),
            np.take_along_axis(cosines, order, axis=1),
            np.take_along_axis(positions, order, axis=1),
        )


def _chunk_density(index: faiss.Index, vectors: np.ndarray, owner: np.ndarray) -> np.ndarray:
    cosines, positions = top_k(index, vectors, min(64, index.ntotal))
    other = owner[np.maximum(positions, 0)] != owner[:, None]
    density = np.zeros(len(vectors), np.float32)
    for row in range(len(vectors)):
        near = cosines[row][other[row] & (positions[row] >= 0)][:ITEM_DENSITY]
        density[row] = near.mean() if len(near) else 0.0
    return density


def _calibrate(evals: EvalIndex) -> np.ndarray:
    """Each sampled item's best score against the other items. The decision also needs 0.7 cosine and agreeing
    numbers, which these scores ignore, so the false-positive rate it gives is at most the target."""
    whole = np.r_[0, np.flatnonzero(np.diff(evals.owner)) + 1] if len(evals.owner) else np.zeros(0, int)
    if len(whole) < 2:
        return np.zeros(0, np.float32)
    sample = np.random.default_rng(0).choice(len(whole), min(CALIBRATION_SAMPLE, len(whole)), replace=False)
    scores, _, _ = evals.match_scores(evals.vectors[whole[sample]], exclude=sample)
    return scores[:, 0].astype(np.float32)


def build_eval_index(ids: list[str], texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> EvalIndex:
    """The index of these items, each bounded first (chunking.bounded_item): its texts are the bounded ones."""
    texts = [bounded_item(str(text)) for text in texts]
    owner, pieces = [], []
    for position, text in enumerate(texts):
        for piece in chunks(str(text)):
            owner.append(position)
            pieces.append(piece)
    vectors = embed(pieces) if pieces else no_vectors()
    owner_array = np.array(owner, dtype=np.int64)
    index = build_index(vectors)
    evals = EvalIndex(
        [str(i) for i in ids],
        [str(t) for t in texts],
        owner_array,
        [number_counts(p) for p in pieces],
        vectors,
        _chunk_density(index, vectors, owner_array) if len(vectors) else np.zeros(0, np.float32),
        np.zeros(0, np.float32),
        index,
    )
    evals.calibration = _calibrate(evals)
    return evals


def eval_set_key(ids: list[str], texts: list[str], model_id: str) -> str:
    """The eval set's content, the model, and how items are chunked and scored: any change is a new index."""
    method = (inspect.getsource(chunking), ITEM_DENSITY, SEARCH_DEPTH, CALIBRATION_SAMPLE)
    digest = hashlib.sha256(f"{model_id}\x00{method}".encode())
    for item_id, text in zip(ids, texts):
        digest.update(f"\x00{item_id}\x01{text}".encode())
    return digest.hexdigest()[:24]


def save_eval_index(evals: EvalIndex, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(
        folder / "arrays.npz",
        owner=evals.owner,
        vectors=evals.vectors,
        density=evals.density,
        calibration=evals.calibration,
    )
    save_index(evals.index, folder / "chunks.faiss")
    pieces = [piece for text in evals.texts for piece in chunks(text)]
    (folder / "items.json").write_text(json.dumps({"ids": evals.ids, "texts": evals.texts, "chunks": pieces}))


def load_eval_index(folder: Path) -> EvalIndex:
    arrays, items = np.load(folder / "arrays.npz"), json.loads((folder / "items.json").read_text())
    pieces = items["chunks"]
    return EvalIndex(
        items["ids"],
        items["texts"],
        arrays["owner"],
        [number_counts(p) for p in pieces],
        arrays["vectors"],
        arrays["density"],
        arrays["calibration"],
        load_index(folder / "chunks.faiss"),
    )


def cached_eval_index(
    ids: list[str], texts: list[str], embed: Callable, folder: Path | None, model_id: str
) -> EvalIndex:
    """The eval index for these items: read back when this exact set was indexed before, else built and kept."""
    if folder is None:
        return build_eval_index(ids, texts, embed)
    path = Path(folder) / eval_set_key(ids, texts, model_id)
    if (path / "items.json").exists():
        return load_eval_index(path)
    evals = build_eval_index(ids, texts, embed)
    staging = path.with_name(path.name + ".partial")
    save_eval_index(evals, staging)
    if not path.exists():
        staging.replace(path)
    return evals


def eval_index_beside(ids: list[str], texts: list[str], embed) -> EvalIndex:
    """cached_eval_index kept beside an EmbeddingCache, under its model."""
    return cached_eval_index(ids, texts, embed, embed.path.parent / "eval_indexes", embed.model_id)
