"""What `synthfactory preview` prints: each row with its verdict and reason, batch-level hints, the build's cost."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from schemas import records as col
from synthfactory.row_preview import KEPT, PreviewResult

_NOT_SHOWN = {col.ID, "verdict", col.STAGE, col.REASON, col.DETAIL}  # the verdict column says them
SHOWN_CHARS = 160  # of each column; the whole row is in PreviewResult.rows


def _short(value: object) -> str:
    if isinstance(value, list):  # a chat: one "role: content" line per turn
        value = "\n".join(f"{turn.get('role')}: {turn.get('content')}" for turn in value)
    text = "" if value is None or value != value else str(value)
    return escape(text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…")


def print_preview(console: Console, result: PreviewResult) -> None:
    """The rows as a table, then batch-level gates that would fail on these rows, then the cost of the full build."""
    shown = [name for name in result.rows.columns if name not in _NOT_SHOWN]
    table = Table(title="Preview rows", show_lines=True)
    for name in ("#", *shown, "verdict"):
        table.add_column(name, overflow="fold")
    for number, row in enumerate(result.rows.to_dict("records"), 1):
        verdict = (
            "[green]kept[/]"
            if row["verdict"] == KEPT
            else f"[red]rejected[/] {escape(str(row[col.REASON]))} ({row[col.STAGE]}): {_short(row[col.DETAIL])}"
        )
        table.add_row(str(number), *(_short(row[c]) for c in shown), verdict)
    console.print(table)
    for gate in result.batch_gates:
        if not gate["success"]:
            console.print(
                f"batch gate {escape(gate['reason'])} would fail on these rows (observed {gate['observed']}); "
                "it judges the whole build's batch",
                highlight=False,
            )
    cost = result.cost
    total = "not priced" if cost.get("usd") is None else f"${cost['usd']:.2f}"
    note = f" ({cost['note']})" if cost.get("note") else ""
    console.print(
        f"{result.kept} of {len(result.rows)} rows kept; estimated cost of the full build ({cost['rows']} rows): "
        f"{total}{note}",
        highlight=False,
    )
