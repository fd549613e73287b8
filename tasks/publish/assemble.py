"""Publishing: a version that appears whole, or not at all, under <data_root>/<dataset>/<version>/.

Layout (Hugging Face `datasets`, pandas, polars and DuckDB read it as is):
  README.md (the card)   data/train-*.parquet   data/validation-*.parquet   quarantine/quarantine-*.parquet
  manifest.json          spec.yaml              plots/*.png
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import quarantine_schema, row_schema
from schemas.record_schema import RecordSchema
from schemas.spec import Spec, dump_spec
from tasks.fingerprints import file_sha256
from tasks.privacy.guard import check_rows_hold_no_secret, check_text_holds_no_secret, redact_rows, scrub_docs
from tasks.privacy.redact import scrub_strings
from tasks.publish.card import draw_plots, render_card
from tasks.publish.content import content_key, content_spec
from tasks.publish.diversity import compare_diversity, diversity_report
from tasks.publish.quarantine_files import Quarantine, quarantine_columns, write_quarantine
from tasks.tables import write_parquet
from tasks.text_features import comparable_text
from tasks.versions.store import DATA_DOCS, MANIFEST, QUARANTINE_FILE, REVIEW_FILE, SPLIT_FILES, VersionStore

RAW_QUARANTINE_FILE = "quarantine-raw.parquet"  # under VersionStore.private_path(version), never in the version
CLUSTER_SEED = 0  # fixed, so that cluster metrics compare across builds whatever their sampling seeds


class DiversityDrop(RuntimeError):
    """Diversity fell past the spec's tolerance and the spec says to fail: nothing is published."""


def every_file_sha256(folder: Path, skip: set[str]) -> dict[str, str]:
    """The SHA-256 of every file under the folder but those named in `skip` (paths relative to it): the card, plots
    and Data Docs are checked as the data are (`show`, `push`)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {name: file_sha256(p) for p in files if (name := p.relative_to(folder).as_posix()) not in skip}


def assign_splits(ids: pd.Series, validation_share: float) -> pd.Series:
    """train or validation by a hash of the record id: a row keeps its split from build to build."""
    bucket = ids.map(lambda i: int.from_bytes(hashlib.sha256(str(i).encode()).digest()[:8], "big") / 2**64)
    return pd.Series(np.where(bucket < validation_share, "validation", "train"), index=ids.index)


def version_name(now: datetime, content_hash: str) -> str:
    """Sortable by time, and naming its content."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{content_hash[:10]}"


def provenance_summary(data: pd.DataFrame) -> list[dict]:
    """Synthetic rows grouped by what made them."""
    synthetic = data[data[col.SOURCE] == col.SOURCE_SYNTHETIC]
    keys = [col.GENERATOR, col.MODEL, col.TEMPLATE_ID, col.TEMPLATE_HASH]
    groups = (
        synthetic.fillna({col.MODEL: "-"})
        .groupby(keys, dropna=False)[col.SAMPLE_SEED]
        .agg(["size", "min", "max"])
        .reset_index()
    )
    return [
        {
            "generator": g,
            "model": m,
            "template_id": t,
            "template_hash": h,
            "rows": int(n),
            "seeds": f"{int(lo)}..{int(hi)}",
        }
        for g, m, t, h, n, lo, hi in groups.itertuples(index=False)
    ]


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def write_version_files(
    folder: Path,
    data: pd.DataFrame,
    quarantine: Quarantine,
    spec_yaml: str,
    validation_share: float,
    record: RecordSchema = INSTRUCTION,
) -> dict[str, str]:
    """Data by split, quarantine (redacted, a frame at a time) and spec into folder, typed by the record; returns
    each split's file."""
    splits = assign_splits(data[col.ID], validation_share)
    files = {}
    for split, name in SPLIT_FILES.items():
        if (splits == split).any() or split == "train":
            write_parquet(data[splits == split], folder / name, row_schema(record))
            files[split] = name
    (folder / QUARANTINE_FILE).parent.mkdir(parents=True, exist_ok=True)
    write_quarantine(quarantine, str(folder / QUARANTINE_FILE), quarantine_schema(record), redact=True)
    (folder / "spec.yaml").write_text(spec_yaml)
    return files


def write_private_quarantine(
    store: VersionStore, version: str, raw: Quarantine, record: RecordSchema = INSTRUCTION
) -> str:
    """The quarantine with its raw text, outside the published tree (publish.quarantine_raw_text opts in); on a
    local root readable by its owner only (it holds the personal data the gates found)."""
    path = store.private_path(version, RAW_QUARANTINE_FILE)
    store.fs.makedirs(store.private_path(version), exist_ok=True)
    if store.local:
        for folder in (Path(store.private), Path(store.private_path(version))):
            folder.chmod(0o700)
        Path(path).touch(mode=0o600)
    with store.fs.open(path, "wb") as handle:
        write_quarantine(raw, handle, quarantine_schema(record), redact=False)
    return path


def publish_dataset(
    spec: Spec,
    data: pd.DataFrame,
    quarantine: Quarantine,
    manifest: dict,
    vectors: np.ndarray,
    store: VersionStore,
    review_queue: pd.DataFrame | None = None,
    data_docs: Path | None = None,
    evaluate: Callable[[Path], dict] | None = None,
    raw_quarantine: Quarantine | None = None,
) -> tuple[str, dict]:
    """Assemble the version locally, check diversity against the previous one, evaluate the assembled folder
    (when given), then commit it, moving LATEST only if the evaluation promotes it: (url, manifest).
    When the version LATEST names, or the newest version, already holds the same rows, quarantine, spec and eval
    sets, nothing is written: its (url, manifest) come back with manifest["unchanged"] set. Nothing is written while
    a published row or the spec holds a secret; the quarantine, review queue, manifest, card and Data Docs are
    written with secrets (and, in rows, personal data) redacted. The quarantine may be given as its files
    (tasks/publish/quarantine_files.py): it is then read a column projection or a batch at a time, never whole."""
    settings = spec.publish
    spec_yaml = dump_spec(spec)
    check_rows_hold_no_secret(data)
    check_text_holds_no_secret(spec_yaml, "the resolved spec")
    eval_sets = manifest.get("inputs", {}).get("eval_sets")
    key = content_key(data, quarantine_columns(quarantine, [col.ID]), content_spec(spec), eval_sets)
    # The version LATEST names (a rollback's target) or the newest one: a rebuild that holds what either holds adds
    # no copy of it and moves nothing.
    for previous in dict.fromkeys(v for v in (store.promoted(), store.latest()) if v):
        if store.manifest(previous).get("content_key") == key:
            store.apply_retention(settings.keep_versions)  # a lowered keep_versions alone rebuilds into unchanged
            return store.url(previous), {**store.manifest(previous), "unchanged": True}
    review_queue = redact_rows(review_queue) if review_queue is not None else None
    # Rows in id order, so the clusters depend on the rows and not on the blend's shuffle.
    canonical = np.argsort(data[col.ID].to_numpy(), kind="stable")
    ordered = data.iloc[canonical]
    is_synthetic = (ordered[col.SOURCE] == col.SOURCE_SYNTHETIC).to_numpy()
    diversity = diversity_report(
        comparable_text(ordered, spec.record_schema),
        is_synthetic,
        vectors[canonical],
        settings.diversity.clusters,
        seed=CLUSTER_SEED,
    )
    baseline = store.promoted()  # drift is measured against the version LATEST points at, not a refused one
    drift = {
        "previous": baseline,
        **compare_diversity(
            diversity, store.manifest(baseline).get("diversity") if baseline else None, settings.diversity.tolerance
        ),
    }
    if drift["drops"] and settings.diversity.on_drop == "fail":
        raise DiversityDrop("diversity gate failed: " + "; ".join(drift["drops"]))
    now = datetime.now(UTC)
    staging = store.staging_dir()
    try:
        split_files = write_version_files(
            staging, data, quarantine, spec_yaml, spec.blend.validation_share, spec.record_schema
        )
        written = [*split_files.values(), QUARANTINE_FILE, "spec.yaml"]
        if review_queue is not None and len(review_queue):
            (staging / REVIEW_FILE).parent.mkdir(parents=True, exist_ok=True)
            review_queue.to_parquet(staging / REVIEW_FILE, index=False)
            written.append(REVIEW_FILE)
        outputs = {name: file_sha256(staging / name) for name in written}
        # the data files and the content key: the same rows checked against other eval sets (or under another spec)
        # are another version, whose name must differ even when published within the same second
        version = version_name(
            now, hashlib.sha256("".join([*(outputs[f] for f in split_files.values()), key]).encode()).hexdigest()
        )
        splits = assign_splits(data[col.ID], spec.blend.validation_share).value_counts().to_dict()
        manifest = {
            **manifest,
            "version": version,
            "content_key": key,
            "review_by": (now + timedelta(days=settings.review_after_days)).date().isoformat(),
            "splits": {s: int(splits.get(s, 0)) for s in split_files},
            "provenance": provenance_summary(data),
            "diversity": diversity,
            "drift": drift,
            "outputs": outputs,
            "review_sample": [
                {
                    col.ID: r[col.ID],
                    "headline": spec.record_schema.headline(r),
                    col.JUDGE_SCORE: r[col.JUDGE_SCORE],
                    "disagreement": r["disagreement"],
                }
                for r in review_queue.head(10).to_dict("records")
            ]
            if review_queue is not None
            else [],
        }
        if data_docs is not None:
            shutil.copytree(data_docs, staging / DATA_DOCS)
            manifest["data_docs"] = f"{DATA_DOCS}/index.html"
            manifest["data_docs_secrets_redacted"] = scrub_docs(staging / DATA_DOCS)
        if raw_quarantine is not None:
            manifest["quarantine_raw_text"] = f"kept unpublished in {store.private_path(version, RAW_QUARANTINE_FILE)}"
        if evaluate is not None:
            manifest["evaluation"] = evaluate(staging)  # sees the data files as they will be published
        manifest = scrub_strings(manifest)
        draw_plots(data, diversity["cluster_shares"], staging, spec.record_schema)
        card_files = {s: f.replace("00000-of-00001", "*") for s, f in split_files.items()}
        (staging / "README.md").write_text(render_card(manifest, card_files, spec.record_schema, spec.publish))
        manifest["outputs"] = outputs | every_file_sha256(staging, skip={*outputs, MANIFEST})
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        _fsync_tree(staging)
        if raw_quarantine is not None:  # before the commit: a version is never published without what it promises
            write_private_quarantine(store, version, raw_quarantine, spec.record_schema)
        try:
            url = store.commit(staging, version, move_latest=manifest.get("evaluation", {}).get("promoted", True))
        except BaseException:
            if raw_quarantine is not None and store.fs.exists(store.private_path(version)):
                store.fs.rm(store.private_path(version), recursive=True)
            raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    store.apply_retention(settings.keep_versions)
    return url, manifest
