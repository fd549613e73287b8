"""Where versions live: a data root given as a local path or an fsspec URL (s3://, memory://, ...).

A version counts only once its manifest.json exists. On a local disk the whole folder is renamed into place
in one step; on object stores, which cannot rename, the manifest is written last and marks it complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tasks.versions.shared_objects import shared_cache_folder

# The files of a published version (see tasks/publish/assemble.py for the whole layout).
MANIFEST = "manifest.json"
LATEST = "LATEST"
HISTORY = ".latest-history.jsonl"  # every move of LATEST: when, from, to, why
BUILD_MOVE = "published by a build; its downstream evaluation promoted it, or it has none"
SPLIT_FILES = {"train": "data/train-00000-of-00001.parquet", "validation": "data/validation-00000-of-00001.parquet"}
QUARANTINE_FILE = "quarantine/quarantine-00000-of-00001.parquet"
REVIEW_FILE = "review/queue-00000-of-00001.parquet"
DATA_DOCS = "data_docs"
STAGING_PREFIX = ".staging-"
# Set when a build in this process is stopped by a signal: a publish still running in a worker thread must not
# commit a version whose staging folder is being removed under it.
STOPPING = threading.Event()


class VersionDamaged(ValueError):
    """A published version whose manifest or files are not as they were published; the message names the file."""


def parse_manifest(data: bytes, where: str) -> dict:
    """A manifest's JSON object; VersionDamaged naming `where` when it is not one (truncated, or edited by hand)."""
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise VersionDamaged(f"{where}: not valid JSON ({error})") from None
    if not isinstance(manifest, dict):
        raise VersionDamaged(f"{where}: not a JSON object")
    return manifest


class VersionStore:
    def __init__(self, data_root: str, dataset: str):
        self.fs, root = fsspec.core.url_to_fs(str(data_root))
        self.local = isinstance(self.fs, LocalFileSystem)
        self.base = f"{root.rstrip('/')}/{dataset}"
        self.private = f"{root.rstrip('/')}/.private/{dataset}"  # beside the published tree, never inside a version
        self.dataset = dataset
        self.data_root = str(data_root)

    def path(self, *parts: str) -> str:
        return "/".join([self.base, *parts])

    def url(self, *parts: str) -> str:
        return self.fs.unstrip_protocol(self.path(*parts)) if not self.local else self.path(*parts)

    def versions(self) -> list[str]:
        """Complete versions, oldest first (names start with their UTC time)."""
        if not self.fs.exists(self.base):
            return []
        names = [p.rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(self.base, detail=False)]
        return sorted(
            n for n in names if not n.startswith(".") and n != LATEST and self.fs.exists(self.path(n, MANIFEST))
        )

    def latest(self) -> str | None:
        """The newest published version, promoted or not."""
        return self.versions()[-1] if self.versions() else None

    def promoted(self) -> str | None:
        """The version LATEST points at: the newest one its evaluation promoted (or that had none)."""
        if not self.fs.exists(self.path(LATEST)):
            return None
        try:
            return self.fs.cat_file(self.path(LATEST)).decode().strip() or None
        except UnicodeDecodeError:
            raise VersionDamaged(f"{self.url(LATEST)}: not a version's name") from None

    def manifest(self, version: str) -> dict:
        return parse_manifest(self.fs.cat_file(self.path(version, MANIFEST)), self.url(version, MANIFEST))

    def staging_dir(self) -> Path:
        """A local folder to assemble a version in: beside the versions on a local disk, so one rename publishes it."""
        if self.local:
            self.fs.makedirs(self.base, exist_ok=True)
            return Path(self.base) / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex}"
        return Path(tempfile.mkdtemp(prefix="synthfactory-staging-"))

    def commit(self, staging: Path, version: str, move_latest: bool = True, why: str = BUILD_MOVE) -> str:
        """Move an assembled version into place, then (unless its evaluation refused it) point LATEST at it;
        returns where it now lives."""
        final = self.path(version)
        if STOPPING.is_set():
            raise InterruptedError("the build is being stopped; nothing is published")
        if self.fs.exists(final):
            raise FileExistsError(f"version {version} already exists at {self.url(version)}")
        if self.local:
            os.rename(staging, final)
        else:
            for file in sorted(p for p in staging.rglob("*") if p.is_file() and p.name != MANIFEST):
                target = f"{final}/{file.relative_to(staging).as_posix()}"
                self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)  # a no-op on object stores
                self.fs.put_file(str(file), target)
            self.fs.put_file(str(staging / MANIFEST), f"{final}/{MANIFEST}")
            shutil.rmtree(staging)
        if move_latest:
            self.point_latest(version, why)
        return self.url(version)

    def point_latest(self, version: str, reason: str, evaluation_overridden: bool = False) -> None:
        """LATEST names `version` (one atomic replace on a local root), the move appended to the dataset's LATEST
        history (HISTORY: when, from, to, why), a build's move as a person's."""
        try:
            before = self.promoted()
        except VersionDamaged:
            before = None  # an unreadable LATEST is what this move repairs
        entry = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "from": before,
            "to": version,
            "reason": reason,
            "evaluation_overridden": evaluation_overridden,
        }
        if self.local:
            pointer = Path(self.base) / f".{LATEST}-{uuid.uuid4().hex}"
            pointer.write_text(version + "\n")
            os.replace(pointer, Path(self.base) / LATEST)
        else:
            self.fs.pipe_file(self.path(LATEST), (version + "\n").encode())
        self._append_history(json.dumps(entry) + "\n")

    def _append_history(self, line: str) -> None:
        # Read and written whole (object stores cannot append), the text kept as it is: a line torn by a write cut
        # short must not stop the next move (LATEST has moved by then). On a local root one atomic replace, so a
        # full disk cannot truncate the history it rewrites.
        kept = self._history_text()
        text = (kept if not kept or kept.endswith("\n") else kept + "\n") + line
        if self.local:
            staged = Path(self.base) / f"{HISTORY}-{uuid.uuid4().hex}"
            staged.write_text(text)
            os.replace(staged, Path(self.base) / HISTORY)
        else:
            self.fs.pipe_file(self.path(HISTORY), text.encode())

    def _history_text(self) -> str:
        path = self.path(HISTORY)
        return self.fs.cat_file(path).decode(errors="replace") if self.fs.exists(path) else ""

    def latest_history(self) -> list[dict]:
        """Every move of LATEST so far, oldest first (point_latest's entries); a torn line is passed over."""
        return [move for line in self._history_text().splitlines() if isinstance(move := _json_line(line), dict)]

    def apply_retention(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions and the one LATEST names (the newest ones may be versions
        their evaluation refused); returns the deleted names."""
        doomed = [version for version in self.versions()[:-keep] if version != self.promoted()]
        for version in doomed:
            self.fs.rm(self.path(version), recursive=True)
            if self.fs.exists(self.private_path(version)):
                self.fs.rm(self.private_path(version), recursive=True)
        return doomed

    def private_path(self, *parts: str) -> str:
        """Where a version keeps what is not published (raw quarantine text, on request): <root>/.private/<dataset>/"""
        return "/".join([self.private, *parts])

    def cache_path(self, name: str) -> str:
        """A cache kept across builds (tasks/versions/shared_objects.py): beside the versions on a local disk; on
        a remote root, `<data_root>/<dataset>/.cache/<name>`, which each worker resolves to its own fast local
        layer in front of the write-once objects there."""
        if self.local:
            return self.path(".cache", name)
        return f"{shared_cache_folder(self.data_root, self.dataset)}/{name}"

    def request_cache_path(self) -> str:
        """The dataset's LLM request cache, kept across builds."""
        return self.cache_path("requests.sqlite")

    def embedding_cache_path(self) -> str:
        """The dataset's embedding cache, kept across builds, beside the request cache."""
        return self.cache_path("embeddings.sqlite")

    def published_index_path(self, model_id: str) -> str:
        """The index of every row published for the dataset (per embedding model), beside the caches."""
        return self.cache_path(f"published/{hashlib.sha256(model_id.encode()).hexdigest()[:16]}")

    def work_dir(self, run_id: str) -> str:
        """Stage shards of one run: beside the versions on a local disk, in a local folder otherwise."""
        if self.local:
            return self.path(".work", run_id)
        return str(Path(tempfile.gettempdir()) / "synthfactory-work" / self.dataset / run_id)


def data_root_problem(data_root: str, dataset: str) -> str | None:
    """Why versions of `dataset` cannot be written under a local data root (it or the dataset's folder is a file,
    the nearest existing folder is not writable, or LATEST names no published version); None when they can, or
    when the root is a URL (object stores are checked by the write itself). Reads only: nothing is created."""
    store = VersionStore(data_root, dataset)
    if not store.local:
        return None
    base = Path(store.base)
    for folder in (base.parent, base):
        if folder.exists() and not folder.is_dir():
            return f"{folder} is a file, not a folder"
    existing = next(p for p in (base, *base.parents) if p.exists())
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable" + ("" if existing == base else f" (to create {base})")
    return _latest_problem(store)


def _latest_problem(store: VersionStore) -> str | None:
    """Why the dataset's LATEST cannot be trusted: publish reads it (to measure drift) only after every stage ran."""
    try:
        named = store.promoted()
    except VersionDamaged as error:
        return f"{error}; point it at a version with `synthfactory promote` or remove it"
    if named and named not in store.versions():
        return (
            f"{store.url(LATEST)} names {named!r}, which is not a published version; point it at one with "
            "`synthfactory promote` or remove it"
        )
    return None


def _json_line(line: str) -> object:
    """A line's JSON value, or None for a line that is not JSON (torn by a write cut short)."""
    try:
        return json.loads(line)
    except ValueError:
        return None
