"""The evaluation gate: run the proxy and the user's command on an assembled version, and decide whether it may
become LATEST (every configured judge must promote it)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from schemas.spec_evaluation import Evaluation
from tasks.evaluate.bootstrap import Comparison, promotes
from tasks.evaluate.command import CommandFailed, compare_reported, run_command
from tasks.evaluate.proxy import Embed, HeldOutSet, run_proxy
from tasks.evaluate.report import SWEEP_PLOT, draw_sweep
from tasks.fingerprints import file_sha256
from tasks.tables import read_table, require_column
from tasks.versions.store import SPLIT_FILES


def load_test_set(settings: Evaluation) -> HeldOutSet:
    """The test items, in file order; TableError names the file and a missing column."""
    frame = read_table(settings.test_set)
    for column in (settings.text_field, settings.label_field, settings.id_field):
        require_column(frame, column, settings.test_set)
    if frame.empty:
        raise ValueError(f"{settings.test_set}: the test set has no rows")
    return HeldOutSet(
        frame[settings.id_field].astype(str).tolist(),
        frame[settings.text_field].fillna("").astype(str).tolist(),
        frame[settings.label_field].fillna("").astype(str).tolist(),
    )


def verdict(name: str, metric: str, comparison: Comparison, settings: Evaluation) -> dict:
    """A judge's comparison, its decision under the spec's rule, and one line saying why."""
    promote = promotes(comparison, settings.tolerance, settings.rule)
    low, high = comparison.ci
    interval = f"{comparison.confidence:.0%} CI {low:+.3f}..{high:+.3f}" if comparison.confidence else "no interval"
    judged = (
        f"CI low end {low:+.3f}" if settings.rule == "ci_lower_bound" else f"difference {comparison.difference:+.3f}"
    )
    sign = ">=" if promote else "<"
    # 0 - tolerance, not -tolerance: a tolerance of 0 prints "0", not "-0"
    line = (
        f"{name}: blend {metric} {comparison.blend:.3f} vs real-only {comparison.baseline:.3f}, difference "
        f"{comparison.difference:+.3f} ({interval}); {judged} {sign} {0 - settings.tolerance:g}"
    )
    return {"metric": metric, **comparison.as_dict(), "promote": promote, "verdict": line}


def evaluate_version(settings: Evaluation, version: Path, embed: Embed) -> dict:
    """The manifest's evaluation section for the version assembled in `version`; draws the sweep plot there."""
    started = time.monotonic()
    train = pd.read_parquet(version / SPLIT_FILES["train"])
    test = load_test_set(settings)
    judges: dict[str, dict] = {}
    if settings.proxy == "logistic_regression":
        label = settings.train_label
        proxy = run_proxy(
            train,
            test,
            embed,
            text_fields=list(settings.train_text),
            label_field=label,
            metric=settings.metric,
            shares=list(settings.sweep),
            samples=settings.bootstrap_samples,
            confidence=settings.confidence,
            seed=settings.seed,
        )
        comparison = Comparison(
            proxy["baseline"], proxy["blend"], proxy["difference"], tuple(proxy["ci"]), proxy["confidence"],
            proxy["samples"],
        )  # fmt: skip
        judges["proxy"] = {**proxy, **verdict("proxy", settings.metric, comparison, settings)}
        draw_sweep(proxy["sweep"], proxy["baseline"], settings.tolerance, settings.metric, version / SWEEP_PLOT)
    if settings.command:
        judges["command"] = judge_with_command(settings, version, len(test.ids))
    promoted = all(j["promote"] for j in judges.values())
    verdicts = "; ".join(j["verdict"] for j in judges.values())
    return {
        "test_set": {
            "path": str(settings.test_set),
            "sha256": file_sha256(settings.test_set),
            "items": len(test.ids),
            "labels": sorted(set(test.labels)),
        },
        "metric": settings.metric,
        "baseline": settings.baseline,
        "rule": settings.rule,
        "tolerance": settings.tolerance,
        "judges": judges,
        "promoted": promoted,
        "message": f"evaluation: {verdicts}; "
        + ("LATEST moved to this version" if promoted else "version published, LATEST unchanged"),
        "plot": SWEEP_PLOT if "proxy" in judges else None,
        "seconds": round(time.monotonic() - started, 2),
    }


def judge_with_command(settings: Evaluation, version: Path, items: int) -> dict:
    """The command's verdict; a command that fails or breaks the contract refuses promotion, saying why."""
    argv = list(settings.command or [])
    try:
        metrics, seconds = run_command(argv, version, settings.test_set, settings.command_timeout_seconds)
        name, comparison = compare_reported(
            metrics, items, settings.bootstrap_samples, settings.confidence, settings.seed
        )
    except CommandFailed as error:
        return {"argv": argv, "promote": False, "verdict": f"command failed: {error}", "error": str(error)}
    extra = {k: v for k, v in metrics.items() if k not in ("per_item", "metric", "blend", "real_only")}
    return {
        "argv": argv,
        "seconds": round(seconds, 2),
        "reported": extra,
        **verdict("command", name, comparison, settings),
    }
