"""The manifest of a version: what went in, what came out, and where every row ended."""

from __future__ import annotations

import platform
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata

import pandas as pd

from schemas import records as col
from schemas.spec import Spec
from tasks.fingerprints import file_sha256
from tasks.stage_result import Stages

PACKAGES = (
    "synthfactory",
    "prefect",
    "great-expectations",
    "sentence-transformers",
    "faiss-cpu",
    "torch",
    "anthropic",
    "pandas",
    "pyarrow",
)


class AccountingError(RuntimeError):
    """A row was lost or counted twice: nothing is published."""


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def account_rows(spec: Spec, stages: Stages, data: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """Every generated sample and every real row ends published or quarantined, exactly once."""
    published = data[col.SOURCE].value_counts().to_dict()
    rejected = quarantine[col.SOURCE].value_counts().to_dict()
    ids = pd.concat([data[col.ID], quarantine[col.ID]])
    real_rows = stages["generate"].rows_out["real"]
    books = {
        "synthetic_samples": spec.generator.rows,
        "synthetic_published": int(published.get(col.SOURCE_SYNTHETIC, 0)),
        "synthetic_quarantined": int(rejected.get(col.SOURCE_SYNTHETIC, 0)),
        "real_rows": real_rows,
        "real_published": int(published.get(col.SOURCE_REAL, 0)),
        "real_quarantined": int(rejected.get(col.SOURCE_REAL, 0)),
    }
    problems = []
    if books["synthetic_published"] + books["synthetic_quarantined"] != books["synthetic_samples"]:
        problems.append(
            f"synthetic: {books['synthetic_samples']} samples but {books['synthetic_published']} published + "
            f"{books['synthetic_quarantined']} quarantined"
        )
    if books["real_published"] + books["real_quarantined"] != real_rows:
        problems.append(
            f"real: {real_rows} rows but {books['real_published']} published + {books['real_quarantined']} quarantined"
        )
    if ids.duplicated().any():
        problems.append(f"row {ids[ids.duplicated()].iloc[0]!r} ended in more than one place")
    if problems:
        raise AccountingError("; ".join(problems))
    return books


def build_manifest(spec: Spec, stages: Stages, data: pd.DataFrame, quarantine: pd.DataFrame, run_id: str) -> dict:
    """Everything a reader needs to trust, reproduce and audit the version (outputs are added on publish)."""
    by_stage = {
        name: {"rows_in": s.rows_in, "rows_out": s.rows_out, "quarantined": s.quarantined} for name, s in stages.items()
    }
    verify, decontaminate = stages["verify"].facts, stages["decontaminate"].facts
    reasons: Counter[str] = Counter()
    for s in stages.values():
        reasons.update(s.quarantined)
    return {
        "dataset": spec.dataset,
        "created_at": datetime.now(UTC).isoformat(),
        "build_run_id": run_id,
        "purpose": spec.purpose,
        "use_limits": list(spec.use_limits),
        "counts": {
            "published": {
                "total": len(data),
                **{k: int(v) for k, v in data[col.SOURCE].value_counts().sort_index().items()},
            },
            "quarantined": {"total": len(quarantine), "by_reason": dict(sorted(reasons.items()))},
            "by_stage": by_stage,
            "accounting": account_rows(spec, stages, data, quarantine),
        },
        "privacy": {"real_rows": stages["generate"].facts.get("real_privacy"), "pii_in_real": spec.gates.pii_in_real},
        "batch_gates": verify.get("batch_gates", []),
        "row_checks": verify.get("row_checks", {}),
        "llm": stages["generate"].facts.get("llm", {}),
        "review": verify.get("review", {}),
        "inputs": {
            "seed_data": {"path": str(spec.seed_data.path), "sha256": file_sha256(spec.seed_data.path)},
            "eval_sets": {name: {"sha256": digest} for name, digest in decontaminate["eval_sets"].items()},
            "eval_items_checked": decontaminate["eval_items"],
            "contamination_threshold": decontaminate.get("threshold"),
            "contamination_threshold_source": decontaminate.get("threshold_source"),
            "contamination_llm_judge": decontaminate.get("llm_judge"),
        },
        "spec": spec.model_dump(mode="json"),
        "packages": package_versions(),
    }
