"""How an evaluation is shown: the synthetic-share sweep as a PNG and the card's "Downstream evaluation" section."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

SWEEP_PLOT = "plots/evaluation_sweep.png"
METRIC_NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1"}


def draw_sweep(sweep: list[dict], baseline: float, tolerance: float, metric: str, path: Path) -> None:
    """Test score against synthetic share, with bootstrap intervals, the real-only score and the promotion line."""
    figure = Figure(figsize=(6, 3.4))
    axis = figure.subplots()
    shares = [p["share"] for p in sweep]
    scores = [p["score"] for p in sweep]
    errors = [[p["score"] - p["ci"][0] for p in sweep], [p["ci"][1] - p["score"] for p in sweep]]
    axis.errorbar(shares, scores, yerr=errors, marker="o", color="#DD8452", capsize=3, label="trained with synthetic")
    blend = [p for p in sweep if p.get("is_blend")]
    if blend:
        axis.scatter([blend[0]["share"]], [blend[0]["score"]], s=90, color="#C44E52", zorder=3, label="this blend")
    axis.axhline(baseline, color="#4C72B0", label="real only")
    axis.axhline(baseline - tolerance, color="#4C72B0", linestyle="--", label="promotion line (real only - tolerance)")
    axis.set(
        title="Held-out test score by synthetic share (proxy classifier)",
        xlabel="synthetic share of training rows",
        ylabel=METRIC_NAMES.get(metric, metric),
    )
    axis.legend(fontsize=7, loc="best")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def _judge_rows(judges: dict) -> list[list[str]]:
    rows = []
    for name, j in judges.items():
        if "error" in j:
            rows.append([name, "-", "-", "-", "-", "refused: " + j["error"].replace("|", "/")])
            continue
        low, high = j["ci"]
        interval = f"{low:+.3f} .. {high:+.3f} ({j['confidence']:.0%})" if j["confidence"] else "none"
        rows.append(
            [
                name,
                METRIC_NAMES.get(j["metric"], j["metric"]),
                f"{j['baseline']:.3f}",
                f"{j['blend']:.3f}",
                f"{j['difference']:+.3f}, CI {interval}",
                "promote" if j["promote"] else "refuse",
            ]
        )
    return rows


def evaluation_section(evaluation: dict | None, table) -> str:
    """The card's "Downstream evaluation" markdown; `table` renders a header and rows."""
    if not evaluation:
        return (
            "## Downstream evaluation\n\nNo evaluation declared: nothing here shows that a model trained on this data "
            "does better than one trained on the real rows alone.\n"
        )
    test = evaluation["test_set"]
    decision = (
        "**Promoted**: `LATEST` moved to this version when it was published."
        if evaluation["promoted"]
        else "**Refused promotion**: this version is published, but `LATEST` was left on the previous version."
    )
    lines = [
        "## Downstream evaluation\n",
        f"{decision} {evaluation['message']}.\n",
        f"Held-out test set `{Path(test['path']).name}` (sha256 `{test['sha256'][:16]}…`, {test['items']} real "
        f"items, labels {', '.join(test['labels'])}), registered as an eval set so no published row copies it. "
        f"Baseline: the same model trained on this version's real training rows only. Rule "
        f"`{evaluation['rule']}`: the blend must not be worse than the baseline by more than "
        f"{evaluation['tolerance']:g}.\n",
        table(
            ["judge", "metric", "real only", "blend", "blend - real only", "decision"],
            _judge_rows(evaluation["judges"]),
        ),
    ]
    proxy = evaluation["judges"].get("proxy")
    if proxy and "sweep" in proxy:
        lines.append(
            f"\nProxy: {proxy['method']}, trained on {proxy['train_rows']['real_only']} real rows alone and on the "
            f"{proxy['train_rows']['blend']} rows of the training split.\n\n"
            + table(
                [
                    "synthetic share",
                    "training rows",
                    "synthetic rows",
                    METRIC_NAMES.get(evaluation["metric"], ""),
                    "CI",
                ],
                [
                    [
                        f"{p['share']:.0%}" + (" (this blend)" if p["is_blend"] else ""),
                        p["rows"],
                        p["synthetic_rows"],
                        f"{p['score']:.3f}",
                        f"{p['ci'][0]:.3f} .. {p['ci'][1]:.3f}",
                    ]
                    for p in proxy["sweep"]
                ],
            )  # fmt: skip
            + f"\n\n![synthetic share sweep]({evaluation['plot']})\n"
        )
    if "command" not in evaluation["judges"]:
        lines.append(
            "\nThe proxy judges whether synthetic rows teach the label; it cannot judge free-text outputs "
            "(instructions, answers): only a user command (`evaluation.command`, docs/evaluation.md) can.\n"
        )
    return "\n".join(lines)
