"""The published index shared through the data root: snapshots under
`<data_root>/<dataset>/.cache/published/<model>/<versions key>/` (folders of write-once objects, versions.json
last), so a worker that finds one reads the index back instead of embedding every published row again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

import pandas as pd

from tasks.dedup.published_index import VERSIONS, PublishedIndex, sync_published
from tasks.versions.shared_objects import SHARED_ROOT, SharedObjects, pull_folder, push_folder, split_location


def shared_name(location: str) -> str:
    """A cache location's name under the data root's `.cache` folder."""
    return location.rstrip("/").rpartition(f"/{SHARED_ROOT}/")[2]


def versions_key(versions: list[str]) -> str:
    return hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]


def synced_published_index(
    location: str,
    versions: Mapping[str, Callable[[], pd.DataFrame]],
    text_of: Callable[[pd.DataFrame], list[str]],
    embed: Callable,
) -> PublishedIndex:
    """The published index at a location (VersionStore.published_index_path) with every version added. On a
    remote root a worker starts from the fullest snapshot there that extends its own, and leaves a snapshot of
    what it built (keyed by the versions it holds) for the next worker."""
    local, shared = split_location(location)
    index = PublishedIndex(local)
    if shared is None:
        return sync_published(index, versions, text_of, embed)
    name = shared_name(location)
    if not set(versions) <= set(index.versions):
        snapshot = fullest_snapshot(shared, name, index.versions)
        if snapshot and pull_folder(shared, f"{name}/{snapshot}", local, VERSIONS):
            index = PublishedIndex(local)
    before = list(index.versions)
    index = sync_published(index, versions, text_of, embed)
    if index.versions and (index.versions != before or not shared.read(f"{name}/{versions_key(before)}/{VERSIONS}")):
        push_folder(shared, f"{name}/{versions_key(index.versions)}", local, VERSIONS)
    return index


def fullest_snapshot(shared: SharedObjects, name: str, held: list[str]) -> str | None:
    """The snapshot under `name` with the most versions among those that hold every version in `held`."""
    best, most = None, len(held)
    for file in shared.names(name):
        snapshot, _, leaf = file[len(name) + 1 :].partition("/")
        if leaf != VERSIONS or (data := shared.read(file)) is None:
            continue
        try:
            listed = json.loads(data)
        except ValueError:
            continue
        if set(held) <= set(listed) and len(listed) > most:
            best, most = snapshot, len(listed)
    return best
