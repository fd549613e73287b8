"""The durable request cache: every LLM response is stored (SQLite) the moment it arrives, keyed by a hash
of the request, so a rerun after a crash, a kill or a Prefect retry never pays for the same request twice."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.fingerprints import content_hash
from tasks.privacy.redact import ALL_DETECTORS, scrub_strings


class RequestCache:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, response TEXT NOT NULL, stored_at REAL NOT "
            "NULL)"
        )
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, response: dict) -> None:
        """Store a response with personal data and secrets redacted: the cache lives beside the published versions,
        and a rerun reading the markers quarantines the same rows (the privacy gate counts a marker as its kind)."""
        with self._lock:
            stored = json.dumps(scrub_strings(response, ALL_DETECTORS))
            self._db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?)", (key, stored, time.time()))

    def fetch(self, request: dict[str, Any], send: Callable[[dict], dict], salt: Any = None) -> dict:
        """The stored response to this request, or send it and store the response before returning it."""
        key = request_key(request, salt)
        stored = self.get(key)
        if stored is not None:
            with self._lock:
                self.hits += 1
            return stored
        response = send(request)
        self.put(key, response)
        with self._lock:
            self.misses += 1
        return response

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def request_key(request: dict[str, Any], salt: Any = None) -> str:
    """Model, messages, parameters and the sample seed (the salt): what decides a response."""
    return content_hash([request, salt])
