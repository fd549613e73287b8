"""What an approver sees before a version is published: a stratified sample of accepted and rejected rows."""

from __future__ import annotations

import pandas as pd

from schemas import records as col


def stratified_sample(frame: pd.DataFrame, by: str, per_group: int, seed: int) -> pd.DataFrame:
    """Up to per_group rows of every value of `by`, chosen with a seed."""
    shuffled = frame.sample(frac=1, random_state=seed)
    return shuffled.groupby(by, sort=False).head(per_group).sort_values(by, kind="stable")


def _cell(value) -> str:
    return str(value if value is not None else "")[:90].replace("|", "/").replace("\n", " ")


def approval_markdown(data: pd.DataFrame, quarantine: pd.DataFrame, per_group: int = 2, seed: int = 0) -> str:
    """Markdown tables: accepted rows by source and category, rejected rows by reason."""
    accepted = stratified_sample(
        data.assign(group=data[col.SOURCE] + "/" + data[col.CATEGORY].astype(str)), "group", per_group, seed
    )
    rejected = stratified_sample(quarantine, col.REASON, per_group, seed)
    lines = [
        f"## Accepted ({len(data)} rows; {per_group} per source/category)",
        "",
        "| group | instruction | output |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['group']} | {_cell(r[col.INSTRUCTION])} | {_cell(r[col.OUTPUT])} |" for r in accepted.to_dict("records")
    ]
    lines += [
        "",
        f"## Rejected ({len(quarantine)} rows; {per_group} per reason)",
        "",
        "| reason | instruction | detail |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r[col.REASON]} | {_cell(r[col.INSTRUCTION])} | {_cell(r[col.DETAIL])} |"
        for r in rejected.to_dict("records")
    ]
    return "\n".join(lines)
