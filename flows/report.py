"""What a person sees of a build on the terminal: each stage as it finishes, then the counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.progress import (
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from rich.text import Text


def _rows_out(summary: dict) -> str:
    """Rows a stage passed on, by kind when it passes on more than one ("445 synthetic, 175 real")."""
    out = summary["rows_out"]
    return str(sum(out.values())) if len(out) == 1 else ", ".join(f"{n} {kind}" for kind, n in out.items())


# Stages whose quarantine a later stage's counts include: their line says so, so the lines add up as the table does.
COUNTED_UNDER = {"gates": "verify"}


class StageMark(SpinnerColumn):
    """The spinner while a stage runs, "done" when it finished, and the task's `mark` when the build left it
    unfinished ("fail", "stop"), not a spinner frozen mid-turn."""

    def render(self, task):  # type: ignore[no-untyped-def]
        mark = task.fields.get("mark")
        return Text.from_markup(mark) if mark else super().render(task)


class RichStageListener:
    """Live progress on the terminal: a line per stage with a spinner while it runs; generation also shows rows
    done of total, LLM requests, tokens and cost so far, and the time left. Use it as a context manager."""

    def __init__(self, console: Console):
        self.console = console
        # The counts and times keep their width on a narrow console; a long note wraps in its own column.
        self.progress = Progress(
            StageMark(finished_text="[green]done[/]", table_column=Column(no_wrap=True, min_width=4)),
            TextColumn("{task.description:<13}", table_column=Column(no_wrap=True, min_width=13)),
            MofNCompleteColumn(table_column=Column(no_wrap=True)),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[note]}", table_column=Column(ratio=1)),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichStageListener:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None:  # a stage the build left unfinished says so, not "running" under a frozen spinner
            failed = issubclass(kind, Exception)  # else a signal, Ctrl-C
            word, mark = ("failed", "[red]fail[/]") if failed else ("stopped", "[yellow]stop[/]")
            for task in self.progress.tasks:
                if not task.finished:
                    self.progress.update(task.id, note=f"[red]{word}[/]", mark=mark)
        self.progress.stop()

    def started(self, stage: str) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=None, note="running")

    def advanced(self, stage: str, done: int, total: int, llm: dict[str, Any]) -> None:
        if stage not in self.tasks:
            return
        task = self.tasks[stage]
        self.progress.update(task, completed=done, total=total)
        left = self.progress.tasks[task].time_remaining
        eta = f"ETA {int(left // 60)}:{int(left % 60):02d}" if left is not None and done < total else ""
        self.progress.update(task, note=", ".join(n for n in (_llm_note(llm), eta) if n))

    def finished(self, stage: str, summary: dict) -> None:
        if stage not in self.tasks:
            self.started(stage)
        task = self.tasks[stage]
        if stage == "publish":
            published = summary["counts"]["published"]["total"]
            note = f"{published} rows in {summary['version']}" + (" (unchanged)" if summary.get("unchanged") else "")
            self.progress.update(task, total=1, completed=1, note=note)
            return
        rows_in, rejected = summary["rows_in"], sum(summary["quarantined"].values())
        note = f"{rejected} quarantined, out: {_rows_out(summary)}"
        if stage in COUNTED_UNDER:
            note = f"{rejected} quarantined (counted again under {COUNTED_UNDER[stage]}), out: {_rows_out(summary)}"
        self.progress.update(task, total=rows_in or 1, completed=rows_in or 1, note=note)


def _llm_note(llm: dict[str, Any]) -> str:
    """LLM spend so far: "412 requests, 480k in / 9k out tokens, $1.23"."""
    if not llm:
        return ""
    tokens = llm.get("tokens", {})
    read = tokens.get("input", 0) + tokens.get("cache_write", 0) + tokens.get("cache_read", 0)
    return (
        f"{llm.get('requests', 0)} requests, {read / 1000:.0f}k in / {tokens.get('output', 0) / 1000:.0f}k out tokens, "
        f"${llm.get('spent_usd', 0):.2f}"
    )


def print_build_report(console: Console, result: dict) -> None:
    """The version's path and tables of counts per stage and per rejection reason."""
    stages = Table(title="Rows per stage")
    for name in ("stage", "in", "out", "quarantined"):
        stages.add_column(name, justify="left" if name == "stage" else "right")
    for summary in result["stages"].values():
        stages.add_row(
            summary["stage"], str(summary["rows_in"]), _rows_out(summary), str(sum(summary["quarantined"].values()))
        )
    reasons = Table(title="Quarantined rows per reason")
    reasons.add_column("reason")
    reasons.add_column("rows", justify="right")
    recorded = result["counts"]["quarantined"]["by_reason"]
    this_run = _reasons_this_run(result) if result["stages"] else recorded
    for reason, count in this_run.items():
        reasons.add_row(escape(reason), str(count))
    published = result["counts"]["published"]
    console.print(stages, reasons)
    rows = f"{published['total']} rows ({published.get('real', 0)} real, {published.get('synthetic', 0)} synthetic)"
    if result.get("unchanged"):
        console.print(
            f"unchanged: {result['version']} already holds these {rows}, quarantine, spec and eval sets; "
            "nothing published"
        )
        if this_run != recorded:
            moved = ", ".join(
                f"{reason} {recorded.get(reason, 0)} -> {this_run.get(reason, 0)}"
                for reason in sorted(set(recorded) | set(this_run))
                if recorded.get(reason, 0) != this_run.get(reason, 0)
            )
            console.print(
                f"the same rows quarantined, some for another reason than {result['version']} records ({moved}): a "
                "rebuild meets the published rows, and dedup takes a repeat of one before the later checks",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    else:
        console.print(f"published {rows}")
    # soft_wrap: a path is never broken across lines, where a log (not a terminal) is 80 columns wide
    console.print(f"version: {result['path']}", markup=False, soft_wrap=True)
    if result.get("data_docs"):
        console.print(f"data docs: {result['path']}/{result['data_docs']}", markup=False, soft_wrap=True)
    if result.get("evaluation"):
        evaluation = result["evaluation"]
        for judge in evaluation["judges"].values():
            console.print(judge["verdict"], highlight=False, soft_wrap=True)
        console.print(_evaluation_outcome(evaluation, bool(result.get("unchanged")), result["version"]))


def _reasons_this_run(result: dict) -> dict[str, int]:
    """Rows quarantined per reason by this run's stages, the counts the per-stage table adds up."""
    counts: Counter[str] = Counter()
    for summary in result["stages"].values():
        counts.update(summary["quarantined"])
    return dict(sorted(counts.items()))


def _evaluation_outcome(evaluation: dict, unchanged: bool, version: str) -> str:
    """What the evaluation decided and what happened to LATEST: an unchanged rebuild moves nothing, so it says
    whose verdict it repeats instead of claiming a move (after a rollback, LATEST stays where a person put it)."""
    decision = "[green]promoted[/]" if evaluation["promoted"] else "[red]refused[/]"
    if unchanged:
        return f"evaluation of {version} when it was published: {decision}; nothing published now, LATEST not moved"
    return f"evaluation ({evaluation['seconds']:.1f} s): {decision}, " + (
        "LATEST moved" if evaluation["promoted"] else "LATEST unchanged"
    )


def _pairs_table(title: str, header: tuple[str, str, str], pairs: dict) -> Table:
    table = Table(title=title)
    for name in header:
        table.add_column(name)
    for key, (before, after) in pairs.items():
        table.add_row(escape(str(key)), escape(str(before)), escape(str(after)))
    return table


def print_version(console: Console, version, latest: str | None = None) -> None:
    """A version's summary, whether LATEST names it, then its card."""
    manifest = version.manifest
    counts = manifest["counts"]
    console.print(
        f"[bold]{manifest['dataset']}[/] {manifest['version']}  built {manifest['created_at'][:19]}Z  review by "
        f"{manifest.get('review_by')}"
    )
    console.print(
        f"published {counts['published']['total']} rows, splits {manifest.get('splits')}, quarantined "
        f"{counts['quarantined']['total']}"
    )
    if latest:
        console.print(latest, markup=False, highlight=False)
    console.print(Markdown(version.card.split("---\n", 2)[-1]))


def print_diff(console: Console, changes: dict) -> None:
    """What changed between two versions, as tables."""
    old, new = changes["versions"]
    rows = changes["rows"]
    console.print(f"[bold]{escape(str(old))}[/] -> [bold]{escape(str(new))}[/]")
    console.print(
        f"rows: {rows['old']} -> {rows['new']}  (+{rows['added']} added, -{rows['removed']} removed, "
        f"{rows['unchanged']} unchanged)"
    )
    header = ("", "old", "new")
    console.print(_pairs_table("Published", header, changes["published"]))
    console.print(_pairs_table("Quarantined per reason", header, changes["gates"]))
    console.print(_pairs_table("Diversity", header, changes["metrics"]))
    if changes.get("evaluation"):
        console.print(_pairs_table("Downstream evaluation", header, changes["evaluation"]))
    console.print(
        _pairs_table("Spec changes", ("field", "old", "new"), changes["spec"]) if changes["spec"] else "spec: unchanged"
    )


def print_quarantine(console: Console, rows, examples: int) -> None:
    """Counts per stage and reason, then a few rows of each reason with what explains them."""
    counts = rows.groupby(["stage", "reason"], sort=False).size().reset_index(name="rows")
    table = Table(title=f"Quarantined rows: {len(rows)}")
    for name in ("stage", "reason", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for stage, reason, n in counts.itertuples(index=False):
        table.add_row(escape(stage), escape(reason), str(n))
    console.print(table)
    for reason, group in rows.groupby("reason", sort=False) if examples else ():
        console.print(f"\n[bold]{escape(reason)}[/]")
        for row in group.head(examples).to_dict("records"):
            why = ", ".join(
                f"{k}={row[k]}"
                for k in ("score", "duplicate_of", "nearest_eval_id", "detail")
                if row.get(k) is not None and row.get(k) == row.get(k)
            )
            # emoji=False: Rich would turn the ':email:' of a [REDACTED:email:<hash>] marker into an envelope glyph
            console.print(
                f"  {row['id']}: {str(row['instruction'])[:90]!r}  {why}", highlight=False, markup=False, emoji=False
            )
