"""Dedup's decision writes its quarantined rows as they are, in parts; each part is redacted on its own (any worker)
and the stage merges them in order, the raw text kept beside only when the spec asks."""

from types import SimpleNamespace

import pandas as pd

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import quarantine_schema, row_schema
from schemas.spec_gates import Privacy
from tasks.dedup_stages import dedup_quarantine_part, dedup_stage
from tasks.privacy.guard import written_redacted
from tasks.quarantine import to_quarantine
from tasks.shards import shard_files, write_shards
from tasks.tables import read_parquet

EMAIL = "a.person@example.com"
# The rows dedup quarantines passed the privacy gate: they hold an email only where the spec's gate did not look.
GATE_WITHOUT_EMAIL = Privacy(detectors=["phone", "secret"])


def spec(keep_raw: bool, privacy: Privacy = GATE_WITHOUT_EMAIL) -> SimpleNamespace:
    return SimpleNamespace(
        publish=SimpleNamespace(quarantine_raw_text=keep_raw),
        record_schema=INSTRUCTION,
        gates=SimpleNamespace(privacy=privacy),
    )


def decision(tmp_path) -> dict:
    rows = pd.DataFrame(
        {col.ID: [f"s{i}" for i in range(5)], col.INSTRUCTION: [f"mail {EMAIL} ({i})" for i in range(5)]}
    )
    rows = rows.assign(**{col.SOURCE: "synthetic"}).reindex(columns=row_schema(INSTRUCTION).names)
    held = to_quarantine(rows.iloc[1:], "dedup", "near_duplicate", duplicate_of=pd.Series("s0", index=rows.index[1:]))
    schema = quarantine_schema(INSTRUCTION)
    parts = write_shards(held.reindex(columns=schema.names), tmp_path / "held", 2, schema)
    kept = write_shards(rows.iloc[:1], tmp_path / "work" / "dedup" / "synthetic", 2, row_schema(INSTRUCTION))
    return {"synthetic": kept, "quarantine": shard_files(parts), "rows_in": 5}


def test_the_parts_are_redacted_one_by_one_and_merged_in_order_with_the_raw_text_only_when_kept(tmp_path):
    for keep_raw in (False, True):
        made, work = decision(tmp_path / str(keep_raw)), str(tmp_path / str(keep_raw) / "work")
        assert len(made["quarantine"]) == 2
        parts = [dedup_quarantine_part.fn(spec(keep_raw), work, k, p) for k, p in enumerate(made["quarantine"])]
        result = dedup_stage.fn(spec(keep_raw), work, made, parts)
        merged = read_parquet(result.quarantine)
        assert written_redacted(result.quarantine) and result.quarantined == {"near_duplicate": 4}
        assert merged[col.ID].tolist() == ["s1", "s2", "s3", "s4"]
        assert not merged[col.INSTRUCTION].str.contains(EMAIL).any()
        assert result.rows_in == 5 and result.rows_out == {"synthetic": 1}
        raw = result.files.get("quarantine_raw")
        assert (raw is not None) is keep_raw
        if keep_raw:
            assert read_parquet(raw)[col.INSTRUCTION].str.contains(EMAIL).all()
