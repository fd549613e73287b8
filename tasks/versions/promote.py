"""Moving a dataset's LATEST by a person's decision: back to an earlier version (a rollback, when a problem shows
after the nightly promoted a version), or to a version its downstream evaluation refused (an override, said so).

A build moves LATEST itself when it publishes a version its evaluation promotes (tasks/versions/store.py). A move
by hand holds the dataset's build lock, so it never races a publishing build. Every move, a build's or a person's,
is appended to the dataset's LATEST history (<data_root>/<dataset>/.latest-history.jsonl: when, from, to, why), so
whoever reads LATEST later can see who put it there.
"""

from __future__ import annotations

from dataclasses import dataclass

import fsspec

from tasks.versions.lock import build_lock
from tasks.versions.store import MANIFEST, VersionDamaged, VersionStore


class PromoteRefused(ValueError):
    """The version cannot become LATEST as asked; the message says why."""


@dataclass(frozen=True)
class Move:
    dataset: str
    before: str | None
    after: str


def version_store(ref: str) -> tuple[VersionStore, str]:
    """(the store of the dataset a published version's folder belongs to, the version's name)."""
    protocol, path = fsspec.core.split_protocol(ref.rstrip("/"))
    parts = path.rsplit("/", 2)
    if len(parts) < 3 or not all(parts):
        raise PromoteRefused(f"{ref}: expected <data_root>/<dataset>/<version>")
    root, dataset, version = parts
    store = VersionStore(f"{protocol}://{root}" if protocol else root, dataset)
    if version not in store.versions():
        raise PromoteRefused(
            f"{ref}: not a published version (no {MANIFEST}); expected <data_root>/<dataset>/<version>"
        )
    return store, version


def promote_version(ref: str, reason: str, override_evaluation: bool = False) -> Move:
    """Point LATEST at the version at `ref`; PromoteRefused when it is not a published version, when its
    evaluation refused it and the override is not given, or when no reason is; BuildLocked while a build runs."""
    if not reason.strip():
        raise PromoteRefused("--reason: say why LATEST moves; it is kept in the dataset's LATEST history")
    store, version = version_store(ref)
    try:
        evaluation = store.manifest(version).get("evaluation") or {}
    except VersionDamaged as error:
        raise PromoteRefused(str(error)) from None
    if evaluation and not evaluation.get("promoted", True) and not override_evaluation:
        raise PromoteRefused(
            f"{version}: its downstream evaluation refused it ({evaluation.get('message', 'no message')}); "
            "--override-evaluation promotes it anyway"
        )
    with build_lock(store, f"promote-{version}", wait_seconds=0):
        if version not in store.versions():  # a build's retention may have deleted it before the lock was ours
            raise PromoteRefused(f"{ref}: deleted by a build's retention meanwhile; LATEST not moved")
        try:
            before = store.promoted()
        except VersionDamaged:
            before = None  # an unreadable LATEST is what this move repairs
        if before != version:
            overridden = bool(evaluation) and not evaluation.get("promoted", True)
            store.point_latest(version, reason.strip(), evaluation_overridden=overridden)
    return Move(store.dataset, before, version)


def latest_line(ref: str) -> str | None:
    """Whether LATEST names the version at `ref`, with the move that put it there (its time, reason, and whether
    an evaluation was overridden); None for a folder outside a dataset's store (a pushed copy)."""
    try:
        store, version = version_store(ref)
        latest = store.promoted()
    except (PromoteRefused, VersionDamaged, OSError):
        return None
    if latest != version:
        return f"LATEST names {latest}, not this version" if latest else "no version is LATEST"
    moves = [move for move in store.latest_history() if move.get("to") == version]
    if not moves:
        return "LATEST names this version"
    overridden = "; its evaluation overridden" if moves[-1].get("evaluation_overridden") else ""
    return f"LATEST names this version since {moves[-1]['at']} ({moves[-1]['reason']}{overridden})"
