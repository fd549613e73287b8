"""What a stage hands on: its output tables and quarantine by name, its counts, and any extra outputs.

Later stages, publish, the manifest and approval find an earlier stage's results by the stage's name and the
output's name, never by position, so adding a stage anywhere cannot shift another's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from tasks.tables import read_parquet


@dataclass(frozen=True)
class StageResult:
    """One stage's outputs: Parquet tables by name (synthetic, real, blended), its quarantine, counts per
    output and per reason, extra files by name (review queue, Data Docs, eval index), and small facts."""

    stage: str
    rows_in: int
    tables: dict[str, str]
    rows_out: dict[str, int]
    quarantine: str
    quarantined: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    llm_requests: dict[str, int] | None = None

    def table(self, name: str) -> str:
        """The path of output table `name`; KeyError names the stage and what it has."""
        if name not in self.tables:
            raise KeyError(f"stage {self.stage!r} has no output {name!r} (it has {', '.join(self.tables)})")
        return self.tables[name]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Stages = dict[str, StageResult]


def read_quarantines(stages: Stages, file: str | None = None) -> pd.DataFrame:
    """Every stage's quarantine, in stage order (or each stage's extra file of that name, e.g. quarantine_raw)."""
    paths = [s.files[file] if file else s.quarantine for s in stages.values()]
    return pd.concat([read_parquet(p) for p in paths], ignore_index=True)


def llm_totals(stages: Stages) -> dict[str, int]:
    """LLM requests sent and answered from the request cache, over every stage that called a model."""
    counts = [s.llm_requests for s in stages.values() if s.llm_requests]
    return {k: sum(c.get(k, 0) for c in counts) for k in ("sent", "from_cache")}
