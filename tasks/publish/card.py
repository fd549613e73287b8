"""The dataset card: a README.md that Hugging Face `datasets` reads (YAML header) and a person reads (the rest),
written from the build's own records, with PNG plots beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import hf_features
from schemas.record_schema import RecordSchema
from schemas.spec_sections import Publish
from tasks.evaluate.report import evaluation_section
from tasks.text_features import comparable_text, word_tokens

PLOTS = {
    "lengths": "plots/lengths.png",
    "source_mix": "plots/source_mix.png",
    "label_balance": "plots/label_balance.png",
    "cluster_coverage": "plots/cluster_coverage.png",
}
COLOURS = {col.SOURCE_REAL: "#4C72B0", col.SOURCE_SYNTHETIC: "#DD8452"}


def _save(figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def lengths_figure(data: pd.DataFrame, record: RecordSchema = INSTRUCTION) -> Figure:
    """A histogram of each source's prompt length in words, the longest 1% in the last bin."""
    lengths = pd.Series(comparable_text(data, record), index=data.index, dtype=object).map(
        lambda t: len(word_tokens(t))
    )
    lengths = lengths.clip(upper=max(1, int(lengths.quantile(0.99))))  # a few very long rows would squash the rest
    figure = Figure(figsize=(6, 3.2))
    axis = figure.subplots()
    bins = np.histogram_bin_edges(lengths, bins=30).tolist()
    for source, colour in COLOURS.items():
        axis.hist(lengths[data[col.SOURCE] == source], bins=bins, alpha=0.6, label=source, color=colour)
    # Two lines: on one, the title was wider than the figure and both its ends were cut off in the PNG.
    axis.set_title(
        f"Prompt length in words ({' + '.join(record.text_fields)})\nthe last bin holds the longest 1%",
        fontsize="medium",
    )
    axis.set(xlabel="words", ylabel="rows")
    axis.legend()
    return figure


def draw_plots(data: pd.DataFrame, cluster_shares: dict, folder: Path, record: RecordSchema = INSTRUCTION) -> None:
    """Lengths, source mix, label balance and cluster coverage, as PNG files under folder/plots/."""
    _save(lengths_figure(data, record), folder / PLOTS["lengths"])

    counts = data[col.SOURCE].value_counts()
    figure = Figure(figsize=(4, 2.6))
    axis = figure.subplots()
    axis.bar(counts.index, counts.values, color=[COLOURS.get(s, "grey") for s in counts.index])
    axis.set(title="Rows by source", ylabel="rows")
    _save(figure, folder / PLOTS["source_mix"])

    label = data[record.label].astype(str) if record.label else pd.Series("(no label)", index=data.index)
    table = data.assign(label=label).groupby(["label", col.SOURCE]).size().unstack(fill_value=0)
    figure = Figure(figsize=(6, 0.4 * len(table) + 1.4))
    axis = figure.subplots()
    left = np.zeros(len(table))
    for source in table.columns:
        axis.barh(table.index, table[source], left=left, label=source, color=COLOURS.get(source, "grey"))
        left += table[source].to_numpy()
    axis.set(title=f"Rows by {record.label or 'label'}", xlabel="rows")
    axis.legend()
    _save(figure, folder / PLOTS["label_balance"])

    shares = pd.DataFrame(cluster_shares)
    figure = Figure(figsize=(6, 3))
    axis = figure.subplots()
    positions = np.arange(len(shares))
    for offset, source in ((-0.2, col.SOURCE_REAL), (0.2, col.SOURCE_SYNTHETIC)):
        axis.bar(positions + offset, shares[source], width=0.4, label=source, color=COLOURS[source])
    axis.set(
        title="Embedding-cluster coverage", xlabel="cluster", ylabel="share of the source's rows", xticks=positions
    )
    axis.legend()
    _save(figure, folder / PLOTS["cluster_coverage"])


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows])


def _review_sample(sample: list[dict]) -> str:
    if not sample:
        return ""
    rows = [
        [
            r[col.ID],
            r["headline"][:80].replace("|", "/").replace("\n", " "),
            f"{r[col.JUDGE_SCORE]:.2f}",
            f"{r['disagreement']:.2f}",
        ]
        for r in sample
    ]
    return "\n\nRows waiting for a human (`review/` holds them all with each judge's score):\n\n" + _table(
        ["id", "row", "mean score", "disagreement"], rows
    )


def hf_header(
    manifest: dict, split_files: dict[str, str], record: RecordSchema = INSTRUCTION, publish: Publish | None = None
) -> str:
    """The YAML header `datasets` reads: license and languages from the spec, the files by split, and every column's
    feature (a messages column a list of {role, content}) so each loads with its declared type."""
    header: dict = {"pretty_name": manifest["dataset"]}
    if publish is not None and publish.license:
        header["license"] = publish.license
    if publish is not None and publish.language:
        header["language"] = list(publish.language)
    header |= {
        "tags": ["synthetic", "synthfactory"],
        "configs": [
            {"config_name": "default", "data_files": [{"split": s, "path": p} for s, p in split_files.items()]}
        ],
        "dataset_info": {"features": hf_features(record)},
    }
    return "---\n" + yaml.safe_dump(header, sort_keys=False) + "---\n"


def render_card(
    manifest: dict, split_files: dict[str, str], record: RecordSchema = INSTRUCTION, publish: Publish | None = None
) -> str:
    """The card's markdown, every figure taken from the manifest."""
    counts, inputs, diversity = manifest["counts"], manifest["inputs"], manifest["diversity"]
    accounting = counts["accounting"]
    sections = [
        hf_header(manifest, split_files, record, publish),
        f"# {manifest['dataset']} ({manifest['version']})\n",
        f"{manifest['purpose']}\n",
        f"Built {manifest['created_at'][:19]}Z by build run `{manifest['build_run_id']}`. **Review by "
        f"{manifest['review_by']}.**\n",
        "## Use limits\n\n" + "\n".join(f"- {limit}" for limit in manifest["use_limits"]) + "\n",
        _record_section(record),
        "## Composition\n\n"
        + _table(["split", "rows"], [[s, n] for s, n in manifest["splits"].items()])
        + f"\n\n{counts['published'].get('real', 0)} real and {counts['published'].get('synthetic', 0)} synthetic "
        "rows.\n\n" + f"![source mix]({PLOTS['source_mix']}) ![label "
        f"balance]({PLOTS['label_balance']})\n\n![lengths]({PLOTS['lengths']})\n",
        "## Real data anchor\n\n"
        + f"`{Path(inputs['seed_data']['path']).name}` (sha256 `{inputs['seed_data']['sha256'][:16]}…`): "
        + f"{accounting['real_rows']} rows, {accounting['real_published']} published.\n",
        "## Provenance\n\nEvery row carries `source`, `generator`, `model`, `template_id`, `template_hash`, "
        "`sample_seed`, "
        "`request_hash` and `build_run_id` columns. Synthetic rows by template:\n\n"
        + _table(
            ["generator", "model", "template", "template hash", "rows", "seeds"],
            [list(p.values()) for p in manifest["provenance"]],
        )
        + _generation_cost_line(manifest.get("llm"))
        + "\n",
        "## Eval isolation\n\n"
        + _table(["eval set", "sha256"], [[n, f"`{e['sha256'][:16]}…`"] for n, e in inputs["eval_sets"].items()])
        + f"\n\n{inputs['eval_items_checked']} eval items checked; every published row passed the check; "
        + f"{manifest['eval_isolation']['hits_in_output']} hits in the output. Eval items are never a split."
        + _judge_line(inputs.get("contamination_llm_judge"))
        + "\n",
        "## Gates\n\n"
        + _table(["reason", "rows quarantined"], list(counts["quarantined"]["by_reason"].items()))
        + "\n\n"
        + _table(
            ["batch gate", "passed", "observed"],
            [[g["reason"], g["success"], g["observed"]] for g in manifest["batch_gates"]],
        )
        + "\n\n"
        + _table(
            ["row check", "passed", "failed"],
            [[n, c["passed"], c["failed"]] for n, c in manifest.get("row_checks", {}).items()],
        )
        + (
            "\n\nJudges and human review: "
            + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in manifest["review"].items() if not isinstance(v, dict))
            + "."
            if manifest.get("review")
            else ""
        )
        + (
            f" Judging cost ${manifest['review']['llm']['spent_usd']:.4f} for {manifest['review']['llm']['requests']} "
            "calls."
            if manifest.get("review", {}).get("llm")
            else ""
        )
        + _review_sample(manifest.get("review_sample", []))
        + (
            f"\n\nGreat Expectations Data Docs of this build: [{manifest['data_docs']}]({manifest['data_docs']})."
            if manifest.get("data_docs")
            else ""
        )
        + _privacy_line(manifest.get("privacy"))
        + f"\n\nOf {accounting['synthetic_samples']} synthetic samples, {accounting['synthetic_published']} were "
        "published and "
        + f"{accounting['synthetic_quarantined']} quarantined (kept in `quarantine/` with their reasons).\n",
        "## Diversity\n\n"
        + _table(["metric", "value"], [[k, v] for k, v in diversity.items() if k != "cluster_shares"])
        + f"\n\n![cluster coverage]({PLOTS['cluster_coverage']})\n\n"
        + (
            f"Against the previous version `{manifest['drift']['previous']}`: {manifest['drift']['changes']}.\n"
            if manifest["drift"]["previous"]
            else "No previous version to compare with.\n"
        ),
        evaluation_section(manifest.get("evaluation"), _table),
    ]
    return "\n".join(sections)


def _record_section(record: RecordSchema) -> str:
    """The declared columns, for a person; the YAML header says the same to `datasets`."""
    rows = [
        [f"`{name}`", c.type, c.source, ", ".join(c.values or []) or "-", c.description or "-"]
        for name, c in record.columns.items()
    ]
    return (
        f"## Record: {record.name}\n\n"
        + _table(["column", "type", "source", "allowed values", "description"], rows)
        + f"\n\nLabel: `{record.label or '-'}`. Dedup and decontamination compare "
        + ", ".join(f"`{f}`" for f in record.text_fields)
        + ". JSON columns hold JSON text.\n"
    )


def _generation_cost_line(llm: dict | None) -> str:
    """What generating the candidates cost, for an LLM backend (the judges' cost is under Gates)."""
    if not llm or "spent_usd" not in llm:
        return ""
    cached = f", {llm['from_cache']} answered from the request cache" if llm.get("from_cache") else ""
    return f"\n\nGeneration cost ${llm['spent_usd']:.4f} for {llm.get('requests', 0)} requests{cached}."


def _judge_line(judge: dict | None) -> str:
    if not judge:
        return ""
    return (
        f" An LLM judged the {judge['asked']} rows near the contamination threshold: {judge['same']} restate an eval "
        "item, "
        f"{judge['different']} do not, {judge['unavailable']} unanswered (the embedding decision stood)."
    )


def _privacy_line(privacy: dict | None) -> str:
    real = privacy.get("real_rows") if privacy else None
    if not privacy or not real:
        return ""
    kinds = ", ".join(f"{k} {n}" for k, n in real["by_kind"].items()) or "none"
    return (
        f"\n\nReal seed rows checked for personal data and secrets: {real['rows_with_findings']} of "
        f"{real['rows_checked']} hold findings (by kind: {kinds}; gates.pii_in_real: {privacy['pii_in_real']}). "
        "Quarantined text is redacted to `[REDACTED:<kind>:<hash>]`."
    )
