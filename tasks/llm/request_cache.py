"""The durable request cache: every LLM response is stored (SQLite) the moment it arrives, keyed by a hash
of the request, so a rerun after a crash, a kill or a Prefect retry never pays for the same request twice.
On a remote data root each response (with its cost) is also a write-once object there,
`<data_root>/<dataset>/.cache/requests/<key[:2]>/<key>.json`, read before sending by a worker whose own SQLite
misses: a shard retried on another machine sends no stored request again."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from tasks.fingerprints import content_hash
from tasks.privacy.redact import ALL_DETECTORS, scrub_strings
from tasks.versions.shared_objects import SharedObjects, fanned, split_location

SHARED_FOLDER = "requests"


class RequestCache:
    def __init__(self, path: str | Path, shared: SharedObjects | None = None):
        """SQLite at `path` (the fast layer), and the data root's objects when `shared` names them."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.shared = shared
        self.shared_hits = 0
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

    @classmethod
    def at(cls, location: str | Path) -> RequestCache:
        """The cache of a location from VersionStore.request_cache_path, resolved on this worker."""
        local, shared = split_location(location)
        return cls(local, shared)

    def get(self, key: str) -> dict | None:
        """The stored response: from SQLite, else from the data root (then kept in SQLite too)."""
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row:
            return json.loads(row[0])
        if self.shared is None:
            return None
        data = self.shared.read(fanned(SHARED_FOLDER, key, ".json"), partial(_intact, key))
        if data is None:
            return None
        response = json.loads(data)["response"]
        self._store_local(key, response)
        with self._lock:
            self.shared_hits += 1
        return response

    def put(self, key: str, response: dict, cost_usd: float | None = None) -> None:
        """Store a response with personal data and secrets redacted: the cache lives beside the published versions,
        and a rerun reading the markers quarantines the same rows (the privacy gate counts a marker as its kind).
        On a remote root it becomes a write-once object with its cost; when another worker stored the same
        request first, its response is the one kept here too, so every worker reads back one answer."""
        scrubbed = scrub_strings(response, ALL_DETECTORS)
        if self.shared is not None:
            envelope = shared_envelope(key, scrubbed, cost_usd)
            stored = self.shared.write_once(fanned(SHARED_FOLDER, key, ".json"), envelope, partial(_intact, key))
            scrubbed = json.loads(stored)["response"]
        self._store_local(key, scrubbed)

    def _store_local(self, key: str, response: dict) -> None:
        with self._lock:
            stored = json.dumps(response)
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


def shared_envelope(key: str, response: dict, cost_usd: float | None) -> bytes:
    """The object stored on the data root: the response, its ledger entry and a digest that proves it whole."""
    body = json.dumps(response, sort_keys=True)
    usage = response.get("usage") or {}
    entry = {"model": response.get("model"), "usage": usage, "cost_usd": cost_usd, "stored_at": time.time()}
    digest = hashlib.sha256(body.encode()).hexdigest()
    return json.dumps({"key": key, "sha256": digest, "ledger": entry, "response": response}).encode()


def _intact(key: str, data: bytes) -> bool:
    """Whether an object read back is a whole envelope of this key (a torn or edited one is not)."""
    try:
        envelope = json.loads(data)
        body = json.dumps(envelope["response"], sort_keys=True)
        return envelope["key"] == key and envelope["sha256"] == hashlib.sha256(body.encode()).hexdigest()
    except (ValueError, KeyError, TypeError):
        return False


def request_key(request: dict[str, Any], salt: Any = None) -> str:
    """Model, messages, parameters and the sample seed (the salt): what decides a response."""
    return content_hash([request, salt])
