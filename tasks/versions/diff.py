"""What changed between two published versions: rows, counts per gate, diversity metrics and the spec."""

from __future__ import annotations

import json

import pandas as pd

from schemas import records as col
from schemas.record_schema import plain
from tasks.text_features import exact_key
from tasks.versions.read import Version

COMPARED_METRICS = (
    "distinct_2_count_synthetic",
    "distinct_2_synthetic",
    "distinct_2_real",
    "effective_clusters_synthetic",
    "effective_clusters_real",
    "real_synthetic_js_distance",
)


def row_keys(data: pd.DataFrame) -> pd.Series:
    """Rows compared by content (every record column, whatever the record), so a row that came back under a new id
    is not 'added'."""
    columns = [c for c in data.columns if c not in col.BASE_COLUMNS]
    text = data[columns].apply(lambda row: "\n".join(json.dumps(plain(v), default=str) for v in row), axis=1)
    return text.map(exact_key) if len(data) else pd.Series(dtype=object)


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): value}


def evaluation_figures(evaluation: dict | None) -> dict:
    """A version's evaluation as flat figures: the decision, and per judge the metric, both arms and the interval."""
    if not evaluation:
        return {}
    figures: dict = {"promoted": evaluation["promoted"], "test_set_sha256": evaluation["test_set"]["sha256"][:16]}
    for name, judge in evaluation["judges"].items():
        if "error" in judge:
            figures[f"{name}.error"] = judge["error"]
            continue
        figures[f"{name}.metric"] = judge["metric"]
        for key in ("baseline", "blend", "difference"):
            figures[f"{name}.{'real_only' if key == 'baseline' else key}"] = round(judge[key], 4)
        figures[f"{name}.ci"] = [round(v, 4) for v in judge["ci"]]
        for point in judge.get("sweep", []):
            figures[f"{name}.sweep@{point['share']:.0%}"] = round(point["score"], 4)
    return figures


def compare_evaluations(old: dict | None, new: dict | None) -> dict:
    """Each evaluation figure of either version: [old, new] (None where a version lacks it)."""
    before, after = evaluation_figures(old), evaluation_figures(new)
    return {k: [before.get(k), after.get(k)] for k in [*before, *(k for k in after if k not in before)]}


def diff_versions(old: Version, new: Version) -> dict:
    """Rows added and removed, counts per gate, metric changes and spec changes from old to new."""
    old_keys, new_keys = set(row_keys(old.data)), set(row_keys(new.data))
    reasons_old = old.manifest["counts"]["quarantined"]["by_reason"]
    reasons_new = new.manifest["counts"]["quarantined"]["by_reason"]
    metrics_old, metrics_new = old.manifest.get("diversity", {}), new.manifest.get("diversity", {})
    spec_old, spec_new = _flatten(old.manifest["spec"]), _flatten(new.manifest["spec"])
    return {
        "versions": [old.manifest["version"], new.manifest["version"]],
        "rows": {
            "old": len(old.data),
            "new": len(new.data),
            "added": len(new_keys - old_keys),
            "removed": len(old_keys - new_keys),
            "unchanged": len(old_keys & new_keys),
        },
        "published": {
            k: [old.manifest["counts"]["published"].get(k, 0), new.manifest["counts"]["published"].get(k, 0)]
            for k in ("total", "real", "synthetic")
        },
        "gates": {
            r: [reasons_old.get(r, 0), reasons_new.get(r, 0)] for r in sorted(set(reasons_old) | set(reasons_new))
        },
        "metrics": {
            m: [metrics_old.get(m), metrics_new.get(m)]
            for m in COMPARED_METRICS
            if m in metrics_old or m in metrics_new
        },
        "evaluation": compare_evaluations(old.manifest.get("evaluation"), new.manifest.get("evaluation")),
        "spec": {
            k: [spec_old.get(k), spec_new.get(k)]
            for k in sorted(set(spec_old) | set(spec_new))
            if spec_old.get(k) != spec_new.get(k)
        },
    }
