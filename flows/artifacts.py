"""What the Prefect run page shows of a build: a markdown report and a table of gate counts."""

from __future__ import annotations

import pandas as pd
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from schemas import records as col
from tasks.quarantine import row_headline
from tasks.tables import read_parquet


def gate_rows(result: dict) -> list[dict]:
    """One row per stage and reason, with the rows it quarantined."""
    return [
        {"stage": s["stage"], "reason": reason, "rows": n}
        for s in result["stages"].values()
        for reason, n in s["quarantined"].items()
    ]


def report_markdown(result: dict, contamination_examples: pd.DataFrame) -> str:
    published = result["counts"]["published"]
    rows = f"**{published['total']}** rows ({published.get('real', 0)} real, {published.get('synthetic', 0)} synthetic)"
    outcome = (
        f"Unchanged: `{result['path']}` already holds these {rows}, quarantine, spec and eval sets; nothing published;"
        if result.get("unchanged")
        else f"Published {rows} to `{result['path']}`;"
    )
    lines = [f"# Build of {result['version']}", "", outcome, f"the data card is `{result['path']}/README.md`."]
    if result.get("data_docs"):
        lines.append(f"Great Expectations Data Docs: `{result['path']}/{result['data_docs']}`.")
    llm = result.get("llm_requests")
    if llm:
        lines.append(f"LLM requests: {llm['sent']} sent, {llm['from_cache']} answered from the request cache.")
    generation = result["stages"]["generate"]["facts"].get("llm") or {}
    if generation:
        tokens = generation.get("tokens", {})
        lines.append(
            f"Generation: {generation.get('requests', 0)} paid calls, {generation.get('retried', 0)} retries "
            f"({generation.get('throttled', 0)} throttled), tokens in {tokens.get('input', 0)} / out "
            f"{tokens.get('output', 0)} / "
            f"cache write {tokens.get('cache_write', 0)} / cache read {tokens.get('cache_read', 0)}, cost "
            f"${generation.get('spent_usd', 0):.4f}."
        )
        if generation.get("budget"):
            lines.append(f"Budget preview: {generation['budget']}.")
    lines += ["", "| stage | rows in | quarantined |", "|---|---|---|"]
    lines += [
        f"| {s['stage']} | {s['rows_in']} | {sum(s['quarantined'].values())} |" for s in result["stages"].values()
    ]
    lines += ["", "| reason | rows |", "|---|---|"] + [
        f"| {r} | {n} |" for r, n in result["counts"]["quarantined"]["by_reason"].items()
    ]
    if len(contamination_examples):
        lines += ["", "## Contamination hits", "", "| candidate | nearest eval item | score |", "|---|---|---|"]
        for row in contamination_examples.to_dict("records"):
            lines.append(f"| {row_headline(row)[:90]} | {row[col.NEAREST_EVAL_ID]} | {row[col.SCORE]:.3f} |")
    return "\n".join(lines)


def publish_artifacts(result: dict) -> None:
    """The build report and the gate table, attached to the flow run."""
    hits = read_parquet(result["stages"]["decontaminate"]["quarantine"]).head(5)
    create_markdown_artifact(
        report_markdown(result, hits), key="build-report", description="Counts, contamination hits, version"
    )
    create_table_artifact(gate_rows(result), key="gate-counts", description="Rows quarantined per stage and reason")
