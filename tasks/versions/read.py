"""Reading published versions back: the data with its split, the manifest, the card and the quarantine."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import fsspec
import pandas as pd
import pyarrow.parquet as pq

from tasks.versions.store import LATEST, MANIFEST, QUARANTINE_FILE, VersionDamaged, parse_manifest


@dataclass
class Version:
    ref: str
    manifest: dict
    data: pd.DataFrame
    card: str


def resolve_latest(ref: str) -> str:
    """`ref` as given, or for a dataset's `<dataset>/LATEST` the version LATEST names (a path or URL as `ref` is).
    FileNotFoundError for a dataset's folder (which version?) and for a LATEST that names none yet."""
    fs, path = fsspec.core.url_to_fs(ref)
    path, shown = path.rstrip("/"), ref.rstrip("/")
    if path.rsplit("/", 1)[-1] == LATEST and fs.isfile(path):
        name = fs.cat_file(path).decode().strip()
        if not name:
            raise FileNotFoundError(f"{ref}: names no version yet")
        return shown[: -len(LATEST)] + name
    if fs.isfile(f"{path}/{LATEST}") and not fs.exists(f"{path}/{MANIFEST}"):
        raise FileNotFoundError(
            f"{ref}: a dataset's folder, not a version: name one of its versions, or {shown}/{LATEST}"
        )
    return ref


def opened_version(ref: str) -> tuple[fsspec.AbstractFileSystem, str, dict]:
    """(filesystem, folder, manifest) of a published version; FileNotFoundError or VersionDamaged names it."""
    fs, root = fsspec.core.url_to_fs(ref)
    root = root.rstrip("/")
    if not fs.exists(f"{root}/{MANIFEST}"):
        raise FileNotFoundError(f"{ref}: not a published version (no {MANIFEST})")
    manifest = parse_manifest(fs.cat_file(f"{root}/{MANIFEST}"), f"{ref.rstrip('/')}/{MANIFEST}")
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or not all(isinstance(d, str) for d in outputs.values()):
        raise VersionDamaged(f"{ref.rstrip('/')}/{MANIFEST}: no 'outputs' mapping each file to its SHA-256")
    return fs, root, manifest


def check_outputs(
    fs: fsspec.AbstractFileSystem, root: str, manifest: dict, ref: str, names: list[str] | None = None
) -> None:
    """The version's files (those of `names` its manifest lists, else every one) hold the bytes it published;
    VersionDamaged names the first that is missing or was changed since."""
    for name in [n for n in manifest["outputs"] if names is None or n in names]:
        path, shown = f"{root}/{name}", f"{ref.rstrip('/')}/{name}"
        if not fs.exists(path):
            raise VersionDamaged(f"{shown}: missing; its manifest lists it")
        digest = hashlib.sha256()
        with fs.open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != manifest["outputs"][name]:
            raise VersionDamaged(
                f"{shown}: its SHA-256 is not the manifest's; the file was changed after the version was published"
            )


def read_version(ref: str) -> Version:
    """A published version from its folder (a path or an fsspec URL), its files checked against its manifest;
    FileNotFoundError names a folder that is not a version, VersionDamaged a file that is not as published."""
    fs, root, manifest = opened_version(ref)
    check_outputs(fs, root, manifest, ref)
    frames = []
    for name in sorted(n for n in manifest["outputs"] if n.startswith("data/")):
        with fs.open(f"{root}/{name}", "rb") as handle:
            frames.append(pq.read_table(handle).to_pandas().assign(split=name.split("/")[1].split("-")[0]))
    card = fs.cat_file(f"{root}/README.md").decode() if fs.exists(f"{root}/README.md") else ""
    return Version(ref, manifest, pd.concat(frames, ignore_index=True), card)


def version_rows(ref: str) -> pd.DataFrame:
    """The published rows of a version, its files checked against its manifest."""
    return read_version(ref).data


def read_quarantine(ref: str) -> pd.DataFrame:
    """Every rejected row of a published version, its files checked against the manifest (as `show` checks them)."""
    fs, root, manifest = opened_version(ref)
    check_outputs(fs, root, manifest, ref)
    with fs.open(f"{root}/{QUARANTINE_FILE}", "rb") as handle:
        return pq.read_table(handle).to_pandas()


def left_out_at_blend(ref: str) -> set[str]:
    """Ids of the rows a version's build kept through its dedup and decontamination and left out only at the blend
    (its share cap or weights). A rebuild meets them again, judged beside that version's rows already: its in-build
    dedup scores each row's nearest rows, the published index finds others, so without this a rebuild of the demo
    dropped one such row and its seeded blend then swapped 28 rows, a new version of unchanged inputs."""
    fs, root = fsspec.core.url_to_fs(ref)
    with fs.open(f"{root.rstrip('/')}/{QUARANTINE_FILE}", "rb") as handle:
        table = pq.read_table(handle, columns=["id", "stage"])
    return {
        row for row, stage in zip(table.column("id").to_pylist(), table.column("stage").to_pylist()) if stage == "blend"
    }
