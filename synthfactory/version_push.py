"""Pushing a published version where people read data: a Hugging Face dataset repo, or any fsspec URL.

The files pushed are the version's own, byte for byte (its README.md card at the root, so the Hub shows it). A
destination an earlier push filled holds only this version's files afterwards: the card reads the data through
`data/train-*.parquet`, so a shard left from a larger version would be read as this one's. The Hub token comes from
HF_TOKEN (or `hf auth login`), else a Prefect Secret block; it is never printed or logged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tasks.versions.store import MANIFEST, VersionDamaged

HUB_PREFIX = "hf://datasets/"
HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
KEPT_ON_HUB = frozenset({".gitattributes"})  # the repo's own, not a version's
SECRET_BLOCK = "hf-token"  # the Prefect Secret block read when the environment has no token


class PushInputError(ValueError):
    """The version or the destination is not usable; the message names which."""


class PushFailed(RuntimeError):
    """The destination refused or lost the upload."""


@dataclass(frozen=True)
class PushResult:
    destination: str
    files: list[str]  # relative to the version's folder, as uploaded
    commit_url: str | None = None  # the Hub's commit
    removed: list[str] = field(default_factory=list)  # an earlier push's files that are not this version's


def version_files(version: str) -> tuple[fsspec.AbstractFileSystem, str, list[str]]:
    """The filesystem, folder and files (relative, sorted) of a published version; PushInputError names a folder
    that is not one, or a file changed since it was published."""
    from tasks.versions.read import check_outputs, opened_version

    try:
        fs, root, manifest = opened_version(version)
        check_outputs(fs, root, manifest, version)  # what leaves is what was published
    except (FileNotFoundError, VersionDamaged) as error:
        raise PushInputError(str(error)) from None
    return fs, root, sorted(path[len(root) + 1 :] for path in fs.find(root))


def hub_repo(destination: str) -> str | None:
    """ORG/NAME of an hf://datasets/ORG/NAME destination, None for any other URL."""
    if not destination.startswith("hf://"):
        return None
    repo = destination.removeprefix(HUB_PREFIX).rstrip("/")
    if not destination.startswith(HUB_PREFIX) or not HUB_REPO.match(repo):
        raise PushInputError(f"--to {destination}: a Hub destination is hf://datasets/ORG/NAME")
    return repo


def push_version(version: str, destination: str, private: bool = False) -> PushResult:
    """Copy every file of the published version to the destination (a Hub dataset repo, or an fsspec folder)."""
    fs, root, files = version_files(version)
    repo = hub_repo(destination)
    if repo is None and private:
        raise PushInputError(f"--private: only a Hub repo is created private; {destination} is not hf://datasets/…")
    if repo is None:
        return _push_fsspec(fs, root, files, destination)
    return _push_hub(fs, root, files, repo, destination, private)


def _push_fsspec(fs: fsspec.AbstractFileSystem, root: str, files: list[str], destination: str) -> PushResult:
    """The version's files under the destination folder, then an earlier push's files that are not this version's
    removed. A folder holding other files, but no pushed version, is refused before anything is written."""
    try:
        target, base = fsspec.core.url_to_fs(destination)
    except (ImportError, ValueError) as error:  # an unknown protocol, or one whose package is not installed
        raise PushInputError(f"--to {destination}: {str(error).splitlines()[0]}") from None
    base = base.rstrip("/")
    try:
        present = [path[len(base) + 1 :] for path in target.find(base)] if target.isdir(base) else []
        stale = sorted(set(present) - set(files))
        if stale and MANIFEST not in present:
            raise PushInputError(
                f"--to {destination}: holds files of its own ({stale[0]}{', ...' if len(stale) > 1 else ''}) and no "
                f"pushed version; push to an empty folder, or to one an earlier push filled"
            )
        for name in files:
            target.makedirs(f"{base}/{name}".rsplit("/", 1)[0], exist_ok=True)
            target.pipe_file(f"{base}/{name}", fs.cat_file(f"{root}/{name}"))
        for name in stale:
            target.rm_file(f"{base}/{name}")
        _remove_empty_folders(target, base, stale)
    except OSError as error:
        raise PushFailed(f"{destination}: {error}") from None
    return PushResult(destination, files, removed=stale)


def _remove_empty_folders(target: fsspec.AbstractFileSystem, base: str, removed: list[str]) -> None:
    """The folders the removed files leave empty, the deepest first (an object store has none to remove)."""
    folders = set()
    for name in removed:
        parts = name.split("/")[:-1]
        folders |= {"/".join([base, *parts[:depth]]) for depth in range(1, len(parts) + 1)}
    for folder in sorted(folders, key=len, reverse=True):
        if target.isdir(folder) and not target.ls(folder):
            target.rmdir(folder)


def hub_token() -> str:
    """HF_TOKEN or the token `hf auth login` stored, else the Prefect Secret block hf-token on the Prefect server."""
    from huggingface_hub import get_token

    if token := get_token():
        return token
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():  # a server (from the environment or the Prefect profile), never an embedded one
        from prefect.blocks.system import Secret

        try:
            return str(Secret.load(SECRET_BLOCK).get())  # type: ignore[union-attr]  # load returns the block
        except ValueError:  # no such block
            pass
    raise PushInputError(
        f"no Hugging Face token: set HF_TOKEN, run `hf auth login`, or store a Prefect Secret block {SECRET_BLOCK!r}"
    )


def _push_hub(
    fs: fsspec.AbstractFileSystem, root: str, files: list[str], repo: str, destination: str, private: bool
) -> PushResult:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=hub_token())
    local = isinstance(fs, LocalFileSystem)  # a local file is streamed; a remote one is read into memory first
    operations = [
        CommitOperationAdd(name, f"{root}/{name}" if local else fs.cat_file(f"{root}/{name}")) for name in files
    ]
    try:
        api.create_repo(repo, repo_type="dataset", private=private or None, exist_ok=True)  # None: the Hub default
        stale = sorted(set(api.list_repo_files(repo, repo_type="dataset")) - set(files) - KEPT_ON_HUB)
        commit = api.create_commit(
            repo,
            [*operations, *(CommitOperationDelete(name) for name in stale)],  # one commit: never half of each
            commit_message=f"synthfactory {root.rsplit('/', 1)[-1]}",
            repo_type="dataset",
        )
    except OfflineModeIsEnabled:
        raise PushFailed(f"{destination}: HF_HUB_OFFLINE is set; unset it to push to the Hub") from None
    except HfHubHTTPError as error:
        raise PushFailed(f"{destination}: {str(error).splitlines()[0]}") from None
    except unreachable() as error:  # refused, a name not resolved, a timeout: no answer from the Hub at all
        raise PushFailed(f"{destination}: no answer from {api.endpoint}: {str(error).splitlines()[0]}") from None
    return PushResult(destination, files, commit.commit_url, stale)


def unreachable() -> tuple[type[Exception], ...]:
    """The errors of a request that got no answer: those of httpx2, the HTTP client huggingface_hub talks through,
    and the operating system's."""
    from httpx2 import TransportError

    return (TransportError, OSError)
