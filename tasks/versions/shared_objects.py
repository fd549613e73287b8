"""Write-once objects on the data root that every worker shares: stored LLM responses, embedding arrays and
index snapshots, each under a name derived from its content, so a worker on another machine reads what an
earlier attempt paid for instead of paying again.

A cache location is a string a stage task receives: a local path for a local data root (the caches live there,
as files), or `<data_root>/<dataset>/.cache/<file>` for an fsspec URL; the task resolves it on the worker it runs
on, so the fast local layer of a remote root sits in that worker's own cache folder ($SYNTHFACTORY_CACHE).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tasks.local_cache import cache_root

# Object stores have no rename (a move is a copy): there one put of the whole object is the atomic step.
PUT_ONLY = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "memory", "http", "https"}
SHARED_ROOT = ".cache"


class SharedObjects:
    """Named byte objects under one folder of an fsspec URL: written once and whole, read or ignored whole."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        protocols = {self.fs.protocol} if isinstance(self.fs.protocol, str) else set(self.fs.protocol)
        self.put_only = bool(protocols & PUT_ONLY)

    def path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def read(self, name: str, valid: Callable[[bytes], bool] = lambda _: True) -> bytes | None:
        """The object's bytes when it exists and `valid` accepts them; None otherwise (a torn or corrupt object
        is never served: the caller fetches again and writes it anew)."""
        try:
            data = self.fs.cat_file(self.path(name))
        except (FileNotFoundError, OSError):
            return None
        return data if valid(data) else None

    def write_once(self, name: str, data: bytes, valid: Callable[[bytes], bool] = lambda _: True) -> bytes:
        """Store `data` unless a valid object is already there (an invalid one is replaced); returns the bytes
        stored under the name afterwards, another writer's if it got there first, so both keep one answer.
        Readers never see part of an object: it is put whole with create-if-absent where the store cannot
        rename, else staged beside its name and renamed into place unless one appeared meanwhile."""
        if (stored := self.read(name, valid)) is not None:
            return stored
        final = self.path(name)
        if self.fs.exists(final):
            self.fs.rm(final)  # torn or corrupt: never served, written anew
        self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
        if self.put_only:
            try:
                self.fs.pipe_file(final, data, mode="create")
            except FileExistsError:
                pass  # another writer's object won: read back below
        else:
            staging = f"{final}.{uuid.uuid4().hex}.partial"
            self.fs.pipe_file(staging, data)
            if self.read(name, valid) is None:
                self.fs.mv(staging, final)
            else:
                self.fs.rm(staging)
        return self.read(name, valid) or data

    def names(self, folder: str) -> list[str]:
        """Names of the objects under `folder` (relative to this store), staged ones left out."""
        try:
            found = self.fs.find(self.path(folder))
        except FileNotFoundError:
            return []
        prefix = len(self.root) + 1
        return sorted(p[prefix:] for p in found if not p.endswith(".partial"))


def fanned(folder: str, key: str, suffix: str) -> str:
    """`<folder>/<key[:2]>/<key><suffix>`: a key's object name, 256 folders so no listing holds everything."""
    return f"{folder}/{key[:2]}/{key}{suffix}"


def is_remote(location: str | Path) -> bool:
    """Whether a cache location is on a data root other than the local disk."""
    return not isinstance(fsspec.core.url_to_fs(str(location))[0], LocalFileSystem)


def split_location(location: str | Path) -> tuple[Path, SharedObjects | None]:
    """(local file, shared objects) for a cache location: a local one is the file itself and nothing shared; a
    remote one is a file in this worker's cache folder and the objects of the root's `.cache` folder."""
    location = str(location)
    if not is_remote(location):
        return Path(fsspec.core.url_to_fs(location)[1]), None
    folder, marker, name = location.rstrip("/").rpartition(f"/{SHARED_ROOT}/")
    if not marker:
        folder, name = location.rstrip("/").rsplit("/", 1)
    else:
        folder += marker.rstrip("/")
    local = cache_root() / "data-roots" / hashlib.sha256(folder.encode()).hexdigest()[:16] / name
    return local, SharedObjects(folder)


def shared_cache_folder(data_root: str, dataset: str) -> str:
    """`<data_root>/<dataset>/.cache` as a URL the workers share (an fsspec chain such as simplecache:: kept)."""
    return f"{str(data_root).rstrip('/')}/{dataset}/{SHARED_ROOT}"


def pull_folder(shared: SharedObjects, name: str, local: Path, marker: str) -> bool:
    """Copy the shared folder `name` over `local` when its marker is there; False (and nothing changed) when it
    is not, or when one of its objects cannot be read."""
    files = shared.names(name)
    if f"{name}/{marker}" not in files:
        return False
    staging = local.with_name(f"{local.name}.{uuid.uuid4().hex}.partial")
    try:
        for file in files:
            data = shared.read(file)
            if data is None:
                return False
            target = staging / file[len(name) + 1 :]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if local.exists():
            shutil.rmtree(local)
        staging.replace(local)
        return True
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def push_folder(shared: SharedObjects, name: str, local: Path, marker: str, only: list[str] | None = None) -> None:
    """Every file of `local` (or the `only` ones) as write-once objects under `name`, the marker last."""
    files = sorted(p for p in local.rglob("*") if p.is_file() and p.name != marker and ".partial" not in p.name)
    for file in files:
        relative = file.relative_to(local).as_posix()
        if only is None or relative in only:
            shared.write_once(f"{name}/{relative}", file.read_bytes())
    if (local / marker).exists():
        shared.write_once(f"{name}/{marker}", (local / marker).read_bytes())
