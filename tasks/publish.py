"""Publishing: a version directory that appears whole, or not at all, under <data_root>/<dataset>/.

Layout: data/train-00000-of-00001.parquet, quarantine/quarantine-00000-of-00001.parquet,
manifest.json, spec.yaml.  A LATEST file names the newest version and is replaced atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from schemas import records as col
from tasks.tables import write_parquet

DATA_FILE = "data/train-00000-of-00001.parquet"
QUARANTINE_FILE = "quarantine/quarantine-00000-of-00001.parquet"


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def version_name(now: datetime, content_hash: str) -> str:
    """Sortable by time, and naming its content."""
    return f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}-{content_hash[:10]}"


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def publish_version(dataset_dir: Path, data: pd.DataFrame, quarantine: pd.DataFrame, manifest: dict, spec_yaml: str) -> Path:
    """Write the version to a hidden staging folder, then rename it into place and point LATEST at it."""
    dataset_dir.mkdir(parents=True, exist_ok=True)
    staging = dataset_dir / f".staging-{uuid.uuid4().hex}"
    try:
        write_parquet(data, staging / DATA_FILE, col.ROW_SCHEMA)
        write_parquet(quarantine, staging / QUARANTINE_FILE, col.QUARANTINE_SCHEMA)
        (staging / "spec.yaml").write_text(spec_yaml)
        files = {name: file_sha256(staging / name) for name in (DATA_FILE, QUARANTINE_FILE, "spec.yaml")}
        version = version_name(datetime.now(timezone.utc), files[DATA_FILE])
        manifest = {**manifest, "version": version, "outputs": files}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n")
        _fsync_tree(staging)
        final = dataset_dir / version
        os.rename(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    pointer = dataset_dir / f".LATEST-{uuid.uuid4().hex}"
    pointer.write_text(version + "\n")
    os.replace(pointer, dataset_dir / "LATEST")
    return final
