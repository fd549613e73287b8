"""What a person sees of a build on the terminal: each stage as it finishes, then the counts."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _rows_out(summary: dict) -> str:
    """Rows a stage passed on, by kind when it passes on more than one ("445 synthetic, 175 real")."""
    out = summary["rows_out"]
    return str(sum(out.values())) if len(out) == 1 else ", ".join(f"{n} {kind}" for kind, n in out.items())


class RichStageListener:
    """Shows a spinner for the running stage and a line for each finished one."""

    def __init__(self, console: Console):
        self.console = console
        self.status = None

    def started(self, stage: str) -> None:
        self.status = self.console.status(f"[bold]{stage}[/] running")
        self.status.start()

    def finished(self, stage: str, summary: dict) -> None:
        if self.status:
            self.status.stop()
        if stage == "publish":
            self.console.print(f"[green]done[/] publish        {summary['counts']['published']['total']} rows in {summary['version']}")
            return
        rejected = sum(summary["quarantined"].values())
        self.console.print(f"[green]done[/] {stage:<14} {summary['rows_in']:>6} in  {rejected:>6} quarantined  out: {_rows_out(summary)}")


def print_build_report(console: Console, result: dict) -> None:
    """The version's path and tables of counts per stage and per rejection reason."""
    stages = Table(title="Rows per stage")
    for name in ("stage", "in", "out", "quarantined"):
        stages.add_column(name, justify="left" if name == "stage" else "right")
    for summary in result["stages"]:
        stages.add_row(summary["stage"], str(summary["rows_in"]), _rows_out(summary), str(sum(summary["quarantined"].values())))
    reasons = Table(title="Quarantined rows per reason")
    reasons.add_column("reason")
    reasons.add_column("rows", justify="right")
    for reason, count in result["counts"]["quarantined"]["by_reason"].items():
        reasons.add_row(reason, str(count))
    published = result["counts"]["published"]
    console.print(stages, reasons)
    console.print(f"published {published['total']} rows ({published.get('real', 0)} real, {published.get('synthetic', 0)} synthetic)")
    console.print(f"version: {result['path']}")
