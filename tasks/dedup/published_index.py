"""Everything published before for a dataset: the synthetic rows of every version, in a persistent index.

Each build first brings the index up to date with the versions it has not seen (only their rows are read and
embedded, mostly from the embedding cache), then deduplicates its candidates against it. A candidate with the
id of a published row is that row rebuilt (ids are stable for the same config and sample), not a duplicate, and
so is one the newest version's build left out only at the blend (tasks/versions/read.py left_out_at_blend), so a
deterministic rebuild publishes the same data; a new row that repeats a published one (the same normal
form, or a pair the pair scorer accepts among its nearest published rows) is quarantined with duplicate_of
naming it. Rows of versions removed by retention stay in the index.
Files: rows.parquet (id, version, text; row i is vector i), vectors.faiss, versions.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import faiss
import numpy as np
import pandas as pd

from schemas import records as col
from tasks import arrays
from tasks.similarity.collection import ITEM_DENSITY, QUERY_DENSITY, features_from_neighbours, pairs_from_neighbours
from tasks.similarity.pair_features import idf_weights, pair_matrix, profile_for, reads_text
from tasks.similarity.pair_scorer import PairScorer, load_scorer
from tasks.text_features import exact_key, word_tokens
from tasks.vectors.index import EXACT_LIMIT, build_index, load_index, save_index, top_k

NEIGHBOURS = 10  # nearest published rows each candidate is scored against
BLOCK = 20_000  # candidates (or pairs) searched and scored at once: memory stays flat as candidates grow

ROWS, VECTORS, VERSIONS = "rows.parquet", "vectors.faiss", "versions.json"


class PublishedIndex:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.rows = pd.DataFrame(
            {"id": pd.Series(dtype=str), "version": pd.Series(dtype=str), "text": pd.Series(dtype=str)}
        )
        self.versions: list[str] = []
        self.index: faiss.Index | None = None
        if (self.folder / VERSIONS).exists():
            self.rows = pd.read_parquet(self.folder / ROWS)
            self.versions = json.loads((self.folder / VERSIONS).read_text())
            self.index = load_index(self.folder / VECTORS)
            if self.index.ntotal != len(self.rows):  # a torn update: start again from the versions
                self.rows, self.versions, self.index = self.rows.iloc[0:0], [], None
        self._keys = {exact_key(t): i for i, t in zip(self.rows["id"], self.rows["text"])}

    @property
    def size(self) -> int:
        return len(self.rows)

    def add(self, version: str, ids: list[str], texts: list[str], embed: Callable[[list[str]], np.ndarray]) -> None:
        """A version's synthetic rows (those not indexed yet), then everything saved."""
        known = set(self.rows["id"])
        new = [(i, t) for i, t in zip(ids, texts) if i not in known]
        if new:
            vectors = embed([t for _, t in new])
            self.index = self._grown(vectors)
            self.rows = pd.concat(
                [self.rows, pd.DataFrame({"id": [i for i, _ in new], "version": version, "text": [t for _, t in new]})],
                ignore_index=True,
            )
            self._keys.update({exact_key(t): i for i, t in new})
        self.versions.append(version)
        self._save()

    def _grown(self, vectors: np.ndarray) -> faiss.Index:
        """The index with vectors appended; an exact index that outgrows EXACT_LIMIT is rebuilt as HNSW."""
        if self.index is None:
            return build_index(vectors)
        total = self.index.ntotal + len(vectors)
        if isinstance(self.index, faiss.IndexFlat) and total > EXACT_LIMIT:
            return build_index(np.vstack([self.index.reconstruct_n(0, self.index.ntotal), vectors]))
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return self.index

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = f".{os.getpid()}.partial"
        if self.index is not None:
            save_index(self.index, self.folder / (VECTORS + tag))
            os.replace(self.folder / (VECTORS + tag), self.folder / VECTORS)
        self.rows.to_parquet(self.folder / (ROWS + tag), index=False)
        os.replace(self.folder / (ROWS + tag), self.folder / ROWS)
        (self.folder / (VERSIONS + tag)).write_text(json.dumps(self.versions))
        os.replace(self.folder / (VERSIONS + tag), self.folder / VERSIONS)

    def duplicates(
        self,
        ids: list[str],
        texts: list[str],
        vectors: np.ndarray,
        threshold: float,
        scorer: PairScorer | None = None,
        judged: Collection[str] = (),
        unnumbered: float | None = None,
    ) -> list[tuple[int, str, str, float]]:
        """(position, published id, reason, score) for each candidate that repeats a published row: the same
        normal form, or a nearest published row the pair scorer scores at least `threshold` (`unnumbered`, when
        given, for a pair whose two texts do not both state numbers: tasks/dedup/sibling_threshold.py). Candidates
        with the id of a published row, or among `judged` (rows the newest version's build kept through its own
        dedup and left out only at the blend), are those rows rebuilt: they were judged beside the published rows
        already."""
        if not self.size:
            return []
        own = set(self.rows["id"]) | set(judged)
        found, pending = [], []
        for position, (row_id, text) in enumerate(zip(ids, texts)):
            if row_id in own:
                continue
            match = self._keys.get(exact_key(text))
            if match is not None:
                found.append((position, match, "exact_duplicate", 1.0))
            else:
                pending.append(position)
        if pending and self.index is not None:
            limits = threshold, threshold if unnumbered is None else unnumbered
            found += self._near_duplicates(np.asarray(pending), texts, vectors, limits, scorer or load_scorer())
        return sorted(found)

    def _near_duplicates(
        self,
        pending: np.ndarray,
        texts: list[str],
        vectors: np.ndarray,
        limits: tuple[float, float],
        scorer: PairScorer,
    ) -> list[tuple[int, str, str, float]]:
        """The near duplicates among `pending` candidates: one search per candidate (its nearest published rows
        are both its pairs and its density) and one per published row its pairs name, in blocks."""
        assert self.index is not None
        depth = max(NEIGHBOURS, QUERY_DENSITY + 2)
        near = [top_k(self.index, vectors[pending[s : s + BLOCK]], depth) for s in range(0, len(pending), BLOCK)]
        near_cos, near_pos = np.vstack([n[0] for n in near]), np.vstack([n[1] for n in near])
        outside = np.full(len(pending), -1)
        pairs = pairs_from_neighbours(near_cos, near_pos, NEIGHBOURS, outside)
        if not len(pairs):
            return []
        places = arrays.unique(pairs[:, 1])
        ref_depth = min(self.index.ntotal, ITEM_DENSITY + 2)
        place_near = [
            top_k(self.index, self.index.reconstruct_batch(places[s : s + BLOCK]), ref_depth)
            for s in range(0, len(places), BLOCK)
        ]
        place_cos, place_pos = np.vstack([n[0] for n in place_near]), np.vstack([n[1] for n in place_near])
        at = np.searchsorted(places, pairs[:, 1])
        cosine = np.concatenate(
            [
                np.einsum(
                    "ij,ij->i",
                    vectors[pending[pairs[s : s + BLOCK, 0]]],
                    self.index.reconstruct_batch(pairs[s : s + BLOCK, 1]),
                )
                for s in range(0, len(pairs), BLOCK)
            ]
            or [np.zeros(0, np.float32)]
        )
        embedding = features_from_neighbours(
            (near_cos, near_pos), (place_cos[at], place_pos[at]), cosine, pairs, outside
        )
        threshold, unnumbered = limits  # unnumbered >= threshold: the lower one prunes
        scores = scorer.most(embedding)
        live = scores >= threshold  # the others cannot reach it, whatever their text
        make = profile_for(scorer.features)
        candidates = {int(q): make(texts[pending[q]]) for q in arrays.unique(pairs[live, 0])}
        reads = reads_text(scorer.features)  # then the IDF counts every published row a pair names
        published = {
            int(p): make(self.rows["text"].iat[int(p)]) for p in arrays.unique(pairs[:, 1] if reads else pairs[live, 1])
        }
        idf = (
            idf_weights([word_tokens(texts[p]) for p in pending] + [list(p.tokens) for p in published.values()])
            if reads
            else {}
        )
        scores[live] = scorer(pair_matrix(candidates, published, pairs[live], embedding[live], idf, scorer.features))
        both = np.zeros(len(pairs), dtype=bool)
        both[live] = [bool(candidates[q].mentions and published[p].mentions) for q, p in pairs[live].tolist()]
        needed = np.where(both, threshold, unnumbered)
        best: dict[int, tuple[float, int]] = {}
        for (query, place), score, need in zip(pairs.tolist(), scores, needed.tolist()):
            if score >= need and score > best.get(query, (-1.0, -1))[0]:
                best[query] = (float(score), place)
        return [
            (int(pending[q]), self.rows["id"].iat[place], "near_duplicate", score) for q, (score, place) in best.items()
        ]


def sync_published(
    index: PublishedIndex,
    versions: Mapping[str, Callable[[], pd.DataFrame]],
    text_of: Callable[[pd.DataFrame], list[str]],
    embed: Callable,
) -> PublishedIndex:
    """Adds every version (name -> reader of its data) the index has not seen, oldest first."""
    for name in sorted(set(versions) - set(index.versions)):
        data = versions[name]()
        synthetic = data[data[col.SOURCE] == col.SOURCE_SYNTHETIC]
        index.add(name, synthetic[col.ID].astype(str).tolist(), text_of(synthetic), embed)
    return index
