"""Registered eval items, indexed for contamination checks and calibrated against themselves.

Each item is indexed whole and as its sentences (tasks/decontaminate/chunking.py), with:
- every chunk's density: its mean similarity to the nearest chunks of *other* eval items. A match against a
  generic chunk ("Which of the following is true?") means little, one against a distinctive chunk means much;
- a candidate's nearest items (item_pairs): each item's best chunk, with the embedding features the pair
  scorer reads (cosine, density-corrected score, gap to the next item);
- a threshold calibrated on the eval set itself for each pair model (tasks/decontaminate/calibration.py): the
  pair score that only `false_positive_rate` of its items reach against their nearest *other* items, and of
  its items with their numbers changed (template siblings) against the set, never under the score that share of
  the pair model's distinct development rows reach. No labels, no per-benchmark tuning.
Built once per eval set content (vectors come from the embedding cache) and persisted; the calibration is kept
beside it per pair model (calibration-<model digest>.npy, calibration-<model digest>-twins.npy).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from tasks import arrays
from tasks.decontaminate import chunking
from tasks.decontaminate.calibration import TWINS, own_item_scores, threshold_from, twin_scores
from tasks.decontaminate.chunking import bounded_item, chunks
from tasks.embeddings.bundled_model import no_vectors
from tasks.embeddings.encoder import encoder
from tasks.similarity.pair_features import Profile, idf_weights, pair_matrix, profile
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import word_ngrams, word_tokens
from tasks.vectors.index import build_index, load_index, save_index, top_k
from tasks.versions.shared_objects import SharedObjects, pull_folder, push_folder

SEARCH_DEPTH = 128  # chunks fetched per query; items are ranked on the best of theirs
ITEM_DENSITY = 3  # a chunk's density: mean similarity of its nearest chunks of this many other items
QUERY_DENSITY = 10  # a candidate's density: mean of its nearest chunk similarities
MIN_CALIBRATION_ITEMS = 20  # fewer items: too few nulls to calibrate on (the pair model's small_eval_set point)
BOILERPLATE_ITEMS = 3
NEIGHBOUR_ITEMS = 5  # items per candidate the pair scorer reads


@dataclass
class EvalIndex:
    ids: list[str]
    texts: list[str]
    owner: np.ndarray  # chunk -> item position
    vectors: np.ndarray  # one unit vector per chunk
    density: np.ndarray  # per chunk
    index: faiss.Index
    calibration: dict[str, np.ndarray] = field(default_factory=dict)  # model digest (-twins) -> sampled best scores
    embed: Callable[[list[str]], np.ndarray] | None = None  # the items' encoder, for the twins; not persisted
    _tokens: list[list[str]] | None = None
    _ngrams: dict[int, tuple[dict[tuple, list[int]], np.ndarray]] = field(default_factory=dict)
    _profiles: dict[int, Profile] = field(default_factory=dict)
    _idf: dict[str, float] | None = None

    @property
    def tokens(self) -> list[list[str]]:
        if self._tokens is None:
            self._tokens = [word_tokens(t) for t in self.texts]
        return self._tokens

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

    def profile(self, position: int) -> Profile:
        if position not in self._profiles:
            self._profiles[position] = profile(self.texts[position])
        return self._profiles[position]

    @property
    def idf(self) -> dict[str, float]:
        if self._idf is None:
            self._idf = idf_weights(self.tokens)
        return self._idf

    def threshold(self, false_positive_rate: float, scorer: PairScorer | None = None) -> float:
        """The pair score `false_positive_rate` of the eval set's own items and number twins reach
        (tasks/decontaminate/calibration.py); for sets too small to calibrate, the pair model's operating point."""
        scorer = scorer or load_scorer()
        if len(self.ids) < MIN_CALIBRATION_ITEMS:
            return scorer.operating_points["small_eval_set"]
        if scorer.digest not in self.calibration:
            self.calibration[scorer.digest] = own_item_scores(self, scorer)
        twins = f"{scorer.digest}-{TWINS}"
        if twins not in self.calibration:
            self.calibration[twins] = twin_scores(self, scorer, self.embed or encoder())
        return threshold_from(self.calibration[scorer.digest], self.calibration[twins], false_positive_rate)

    def item_pairs(
        self, queries: np.ndarray, exclude: np.ndarray | None = None, k: int = NEIGHBOUR_ITEMS
    ) -> tuple[np.ndarray, np.ndarray]:
        """(query row, item position) for each query's k best-scoring items, and their (cosine, density_score,
        gap) from the item's best chunk; gap is the cosine minus the query's best cosine to any other item."""
        scores, cosines, chunks_ = self.match_scores(queries, exclude)
        owners = self.owner[np.maximum(chunks_, 0)]
        pairs, features = [], []
        for row in range(len(queries)):
            valid = np.isfinite(scores[row])
            best_cosine: dict[int, float] = {}
            for item, cosine in zip(owners[row][valid], cosines[row][valid]):
                best_cosine[int(item)] = max(best_cosine.get(int(item), -1.0), float(cosine))
            ranked: dict[int, tuple[float, float]] = {}
            for item, score, cosine in zip(owners[row][valid], scores[row][valid], cosines[row][valid]):
                if int(item) not in ranked:
                    ranked[int(item)] = (float(cosine), float(score))
                    if len(ranked) == k:
                        break
            top = sorted(best_cosine.values(), reverse=True)[:2] + [0.0, 0.0]
            for item, (cosine, score) in ranked.items():
                other = top[1] if best_cosine[item] >= top[0] else top[0]
                pairs.append((row, item))
                features.append((cosine, score, cosine - other))
        return np.array(pairs, dtype=np.int64).reshape(-1, 2), np.array(features, dtype=np.float64).reshape(-1, 3)

    def pair_scores(
        self, profiles: list[Profile], queries: np.ndarray, scorer: PairScorer, exclude: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pairs, probability per pair, embedding features per pair) of each query (with its profile) against
        its nearest items."""
        pairs, embedding = self.item_pairs(queries, exclude)
        references = {int(j): self.profile(int(j)) for j in arrays.unique(pairs[:, 1])}
        matrix = pair_matrix(profiles, references, pairs, embedding, self.idf)
        return pairs, scorer(matrix), embedding

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
    return EvalIndex(
        [str(i) for i in ids],
        [str(t) for t in texts],
        owner_array,
        vectors,
        _chunk_density(index, vectors, owner_array) if len(vectors) else np.zeros(0, np.float32),
        index,
        embed=embed,
    )


def eval_set_key(ids: list[str], texts: list[str], model_id: str) -> str:
    """The eval set's content, the model, and how items are chunked and their density measured: any change is a
    new index (the calibration is kept per pair model inside it)."""
    method = (inspect.getsource(chunking), ITEM_DENSITY, SEARCH_DEPTH)
    digest = hashlib.sha256(f"{model_id}\x00{method}".encode())
    for item_id, text in zip(ids, texts):
        digest.update(f"\x00{item_id}\x01{text}".encode())
    return digest.hexdigest()[:24]


def save_eval_index(evals: EvalIndex, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "arrays.npz", owner=evals.owner, vectors=evals.vectors, density=evals.density)
    for digest, scores in evals.calibration.items():
        np.save(folder / f"calibration-{digest}.npy", scores)
    save_index(evals.index, folder / "chunks.faiss")
    pieces = [piece for text in evals.texts for piece in chunks(text)]
    (folder / "items.json").write_text(json.dumps({"ids": evals.ids, "texts": evals.texts, "chunks": pieces}))


def load_eval_index(folder: Path) -> EvalIndex:
    arrays, items = np.load(folder / "arrays.npz"), json.loads((folder / "items.json").read_text())
    calibration = {path.stem.split("-", 1)[1]: np.load(path) for path in folder.glob("calibration-*.npy")}
    return EvalIndex(
        items["ids"],
        items["texts"],
        arrays["owner"],
        arrays["vectors"],
        arrays["density"],
        load_index(folder / "chunks.faiss"),
        calibration,
    )


def cached_eval_index(
    ids: list[str],
    texts: list[str],
    embed: Callable,
    folder: Path | None,
    model_id: str,
    calibrate: bool = True,
    shared: SharedObjects | None = None,
) -> EvalIndex:
    """The eval index for these items: read back when this exact set was indexed before (here, or on the data
    root's `shared` objects), else built and kept (there too); with `calibrate`, calibrated for the shipped pair
    model (once, kept beside it)."""
    if folder is None:
        return build_eval_index(ids, texts, embed)
    key = eval_set_key(ids, texts, model_id)
    path, name = Path(folder) / key, f"eval_indexes/{key}"
    if not (path / "items.json").exists() and shared is not None:
        pull_folder(shared, name, path, "items.json")
    if (path / "items.json").exists():
        evals = load_eval_index(path)
        evals.embed = embed
    else:
        evals = build_eval_index(ids, texts, embed)
        staging = path.with_name(path.name + ".partial")
        save_eval_index(evals, staging)
        if not path.exists():
            staging.replace(path)
        if shared is not None:
            push_folder(shared, name, path, "items.json")
    scorer = load_scorer() if calibrate else None
    keys = [scorer.digest, f"{scorer.digest}-{TWINS}"] if scorer is not None else []
    if len(evals.ids) >= MIN_CALIBRATION_ITEMS and any(key not in evals.calibration for key in keys):
        evals.threshold(0.5, scorer)  # calibrated once per pair model and kept beside the index
        for key in keys:
            staging = path / f"calibration-{key}.{os.getpid()}.npy"
            np.save(staging, evals.calibration[key])
            os.replace(staging, path / f"calibration-{key}.npy")
        if shared is not None:
            push_folder(shared, name, path, "items.json", only=[f"calibration-{key}.npy" for key in keys])
    return evals


def eval_index_beside(ids: list[str], texts: list[str], embed) -> EvalIndex:
    """cached_eval_index kept beside an EmbeddingCache, under its model (and shared where the cache shares)."""
    folder = embed.path.parent / "eval_indexes"
    return cached_eval_index(ids, texts, embed, folder, embed.model_id, shared=getattr(embed, "shared", None))
