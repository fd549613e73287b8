"""What an approver sees before a version is published: a stratified sample of accepted and rejected rows."""

from __future__ import annotations

import pandas as pd

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema, field_text


def stratified_sample(frame: pd.DataFrame, by: str, per_group: int, seed: int) -> pd.DataFrame:
    """Up to per_group rows of every value of `by`, chosen with a seed."""
    shuffled = frame.sample(frac=1, random_state=seed)
    return shuffled.groupby(by, sort=False).head(per_group).sort_values(by, kind="stable")


def _cell(value) -> str:
    return str(value if value is not None else "")[:90].replace("|", "/").replace("\n", " ")


def approval_markdown(
    data: pd.DataFrame, quarantine: pd.DataFrame, per_group: int = 2, seed: int = 0, record: RecordSchema = INSTRUCTION
) -> str:
    """Markdown tables: accepted rows by source and label, rejected rows by reason; each row by its headline and
    answer (an instruction and its output)."""
    label = data[record.label].astype(str) if record.label else pd.Series("-", index=data.index)
    accepted = stratified_sample(data.assign(group=data[col.SOURCE] + "/" + label), "group", per_group, seed)
    rejected = stratified_sample(quarantine, col.REASON, per_group, seed)
    head, answer = record.text_fields[0], record.answer_column() or record.label or col.ID
    answer_type = record.columns[answer].type if answer in record.columns else "text"
    lines = [
        f"## Accepted ({len(data)} rows; {per_group} per source/{record.label or 'label'})",
        "",
        f"| group | {head} | {answer} |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r['group']} | {_cell(record.headline(r))} | {_cell(field_text(r.get(answer), answer_type))} |"
        for r in accepted.to_dict("records")
    ]
    lines += [
        "",
        f"## Rejected ({len(quarantine)} rows; {per_group} per reason)",
        "",
        f"| reason | {head} | detail |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r[col.REASON]} | {_cell(record.headline(r))} | {_cell(r[col.DETAIL])} |"
        for r in rejected.to_dict("records")
    ]
    return "\n".join(lines)
