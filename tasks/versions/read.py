"""Reading published versions back: the data with its split, the manifest, the card and the quarantine."""

from __future__ import annotations

import json
from dataclasses import dataclass

import fsspec
import pandas as pd
import pyarrow.parquet as pq

from tasks.versions.store import MANIFEST, QUARANTINE_FILE


@dataclass
class Version:
    ref: str
    manifest: dict
    data: pd.DataFrame
    card: str


def read_version(ref: str) -> Version:
    """A published version from its folder (a path or an fsspec URL); FileNotFoundError names it."""
    fs, root = fsspec.core.url_to_fs(ref)
    root = root.rstrip("/")
    if not fs.exists(f"{root}/{MANIFEST}"):
        raise FileNotFoundError(f"{ref}: not a published version (no {MANIFEST})")
    with fs.open(f"{root}/{MANIFEST}", "r") as handle:
        manifest = json.load(handle)
    frames = []
    for name in sorted(n for n in manifest["outputs"] if n.startswith("data/")):
        with fs.open(f"{root}/{name}", "rb") as handle:
            frames.append(pq.read_table(handle).to_pandas().assign(split=name.split("/")[1].split("-")[0]))
    card = fs.cat_file(f"{root}/README.md").decode() if fs.exists(f"{root}/README.md") else ""
    return Version(ref, manifest, pd.concat(frames, ignore_index=True), card)


def read_quarantine(ref: str) -> pd.DataFrame:
    """Every rejected row of a published version."""
    fs, root = fsspec.core.url_to_fs(ref)
    root = root.rstrip("/")
    if not fs.exists(f"{root}/{MANIFEST}"):
        raise FileNotFoundError(f"{ref}: not a published version (no {MANIFEST})")
    with fs.open(f"{root}/{QUARANTINE_FILE}", "rb") as handle:
        return pq.read_table(handle).to_pandas()
