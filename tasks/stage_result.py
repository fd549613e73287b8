"""What a stage hands on: its output tables and quarantine by name, its counts, and any extra outputs.

Later stages, publish, the manifest and approval find an earlier stage's results by the stage's name and the
output's name, never by position, so adding a stage anywhere cannot shift another's data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from schemas.record_derived import quarantine_schema, row_schema
from schemas.record_schema import RecordSchema
from tasks.llm.request_cache import RequestCache
from tasks.privacy.guard import GateClearance, marked_redacted, redact_rows
from tasks.quarantine import count_reasons
from tasks.shards import shard_name, table_rows, write_shards
from tasks.stage_writer import QuarantineWriter, WrittenQuarantine
from tasks.tables import read_parquet, write_parquet


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
    return pd.concat([read_parquet(p) for p in quarantine_files(stages, file)], ignore_index=True)


def quarantine_files(stages: Stages, file: str | None = None) -> list[str]:
    """The files read_quarantines reads, in its order: for those that read them a frame at a time."""
    return [s.files[file] if file else s.quarantine for s in stages.values()]


def llm_totals(stages: Stages) -> dict[str, int]:
    """LLM requests sent and answered from the request cache, over every stage that called a model."""
    counts = [s.llm_requests for s in stages.values() if s.llm_requests]
    return {k: sum(c.get(k, 0) for c in counts) for k in ("sent", "from_cache")}


def sum_counts(counts: list[dict[str, int]], keys: tuple[str, ...] | None = None) -> dict[str, int]:
    """Counts added up key by key over shards (over `keys`, else every key any of them has)."""
    names = keys or tuple(dict.fromkeys(k for c in counts for k in c))
    return {k: sum(c.get(k, 0) for c in counts) for k in names}


def merge_llm_summaries(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The LLM shards' summaries as one: counts, tokens and spend added up; anything else as the first says."""
    merged: dict[str, Any] = dict(summaries[0]) if summaries else {}
    for summary in summaries[1:]:
        for key, value in summary.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "concurrency":
                merged[key] = round(merged.get(key, 0) + value, 6)
            elif isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
                merged[key] = sum_counts([merged.get(key) or {}, value])
    return merged


def llm_counts(cache: RequestCache | None) -> dict[str, int]:
    return {"sent": cache.misses if cache is not None else 0, "from_cache": cache.hits if cache is not None else 0}


def stage_folder(work_dir: str, stage: str) -> Path:
    return Path(work_dir) / stage


def quarantine_writer(
    work_dir: str, stage: str, record: RecordSchema, keep_raw: bool = False, redact: bool = True
) -> QuarantineWriter:
    """A stage's quarantine written a frame at a time where write_stage would write it whole."""
    return QuarantineWriter(stage_folder(work_dir, stage) / "quarantine.parquet", record, keep_raw, redact)


def write_stage(
    work_dir: str,
    stage: str,
    outputs: dict[str, pd.DataFrame | str],
    quarantine: pd.DataFrame | WrittenQuarantine,
    rows_in: int,
    keep_raw_quarantine: bool = False,
    part: int | None = None,
    shard_rows: int | None = None,
    redact: bool = True,
    *,
    record: RecordSchema,
    cleared: GateClearance | None = None,
    **extra: Any,
) -> StageResult:
    """Write a stage's output tables and quarantine under the run's work folder; its StageResult. The quarantine is
    written redacted (unless redact=False, for intermediate results); its raw text goes beside it
    (files["quarantine_raw"]) only with keep_raw_quarantine. An output given as a path (a folder of shards) is handed
    on as it is. With `part`, everything is written as shard `part` under parts/ for the stage's merge to collect
    (merged_quarantine copies the redacted parts: each shard redacts its own rows, on whichever worker runs it);
    with `shard_rows`, frames are written as shards.
    Rows that passed the privacy gate are redacted of what it did not already clear (`cleared`, redact_rows).
    Tables are written with the record's row schema, the quarantine with its quarantine schema. A quarantine a
    QuarantineWriter already wrote (tasks/stage_writer.py) is handed on as it is, its raw text file with it."""
    folder = stage_folder(work_dir, stage)
    rows_schema, quarantine_schema_ = row_schema(record), quarantine_schema(record)

    def place(name: str) -> Path:
        return folder / "parts" / name / shard_name(part) if part is not None else folder / f"{name}.parquet"

    tables = {}
    for name, frame in outputs.items():
        if isinstance(frame, str):
            tables[name] = frame
        elif shard_rows and part is None:
            tables[name] = write_shards(
                frame.reindex(columns=rows_schema.names), folder / name, shard_rows, rows_schema
            )
        else:
            tables[name] = write_parquet(frame.reindex(columns=rows_schema.names), place(name), rows_schema)
    if isinstance(quarantine, pd.DataFrame):
        quarantine = quarantine.reindex(columns=quarantine_schema_.names)  # an empty one may lack record columns
        raw = write_parquet(quarantine, place("quarantine-raw"), quarantine_schema_) if keep_raw_quarantine else None
        quarantine = WrittenQuarantine(
            write_parquet(
                redact_rows(quarantine, cleared=cleared) if redact else quarantine,
                place("quarantine"),
                marked_redacted(quarantine_schema_) if redact else quarantine_schema_,
            ),
            raw,
            count_reasons(quarantine),
        )
    if keep_raw_quarantine and quarantine.raw:
        extra["files"] = {**extra.get("files", {}), "quarantine_raw": quarantine.raw}
    return StageResult(
        stage=stage,
        rows_in=rows_in,
        tables=tables,
        rows_out={name: table_rows(path) for name, path in tables.items()},
        quarantine=quarantine.path,
        quarantined=quarantine.counts,
        **extra,
    )


def written_quarantine(result: StageResult) -> WrittenQuarantine:
    """The quarantine a stage (or one of its shards) wrote: its file, its raw-text file if kept, its counts."""
    return WrittenQuarantine(result.quarantine, result.files.get("quarantine_raw"), result.quarantined)


def merged_quarantine(
    work_dir: str, stage: str, record: RecordSchema, keep_raw: bool, parts: list[StageResult]
) -> WrittenQuarantine:
    """The shards' quarantines, each already redacted by its shard, copied in shard order into the stage's file."""
    writer = quarantine_writer(work_dir, stage, record, keep_raw)
    for part in parts:
        writer.copy(written_quarantine(part))
    return writer.close()


def parts_table(parts: list[StageResult], name: str) -> str:
    """The folder that holds every shard's output `name` (all shards write their parts there)."""
    folders = {str(Path(p.table(name)).parent) for p in parts}
    if len(folders) != 1:
        raise ValueError(f"shards of {name!r} are spread over {sorted(folders)}")
    return folders.pop()
