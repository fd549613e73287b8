"""Writing a stage a frame at a time gives the files, shards and counts of writing it whole; shards' quarantines,
each redacted by its shard and then merged, give the quarantine written whole; blending shard by shard gives
blend_rows' rows and quarantine; publish's quarantine read as files gives the frame's."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.spec import Blend
from tasks.blend.mix import blend_rows
from tasks.blend.shards import blended_rows, plan_blend, split_shard
from tasks.publish.quarantine_files import quarantine_columns, write_quarantine
from tasks.quarantine import to_quarantine
from tasks.shards import write_shards
from tasks.stage_result import merged_quarantine, write_stage, written_quarantine
from tasks.stage_writer import QuarantineWriter, ShardWriter, WrittenQuarantine
from tasks.tables import read_parquet


def rows(prefix: str, n: int, source: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            col.ID: [f"{prefix}{i}" for i in range(n)],
            col.INSTRUCTION: [f"task {i}, mail me at a{i}@example.com" for i in range(n)],
            col.OUTPUT: "ok",
            col.SOURCE: source,
            col.CATEGORY: [("x", "y", "z")[i % 3] for i in range(n)],
        }
    )
    return frame.reindex(columns=col.ROW_SCHEMA.names)


def test_a_shard_writer_lays_out_the_shards_write_shards_does(tmp_path):
    frame = rows("s", 23, "synthetic")
    writer = ShardWriter(tmp_path / "streamed", 5, col.ROW_SCHEMA)
    for start in (0, 3, 4, 11, 23):  # uneven frames, one of them empty
        writer.add(frame.iloc[start : {0: 3, 3: 4, 4: 11, 11: 23, 23: 23}[start]])
    assert writer.close() == str(tmp_path / "streamed")
    write_shards(frame, tmp_path / "whole", 5, col.ROW_SCHEMA)
    sizes = {
        name: [pq.ParquetFile(p).metadata.num_rows for p in sorted((tmp_path / name).glob("*.parquet"))]
        for name in ("streamed", "whole")
    }
    assert sizes["streamed"] == sizes["whole"] == [5, 5, 5, 5, 3]
    assert read_parquet(tmp_path / "streamed").equals(read_parquet(tmp_path / "whole"))


def test_no_rows_make_one_empty_shard_as_write_shards_does(tmp_path):
    assert read_parquet(ShardWriter(tmp_path / "empty", 5, col.ROW_SCHEMA).close()).empty
    assert [p.name for p in (tmp_path / "empty").glob("*.parquet")] == ["00000.parquet"]


@pytest.mark.parametrize("keep_raw", [False, True])
def test_a_quarantine_written_frame_by_frame_is_the_one_written_whole(tmp_path, keep_raw):
    rejected = to_quarantine(rows("s", 9, "synthetic"), "verify", ["a", "b", "a"] * 3, detail="why")
    whole = write_stage(str(tmp_path / "whole"), "verify", {}, rejected, 9, keep_raw, record=INSTRUCTION)
    writer = QuarantineWriter(tmp_path / "streamed" / "quarantine.parquet", INSTRUCTION, keep_raw)
    for start in range(0, 9, 4):
        writer.add(rejected.iloc[start : start + 4])
    streamed = write_stage(str(tmp_path / "streamed"), "verify", {}, writer.close(), 9, keep_raw, record=INSTRUCTION)
    assert streamed.quarantined == whole.quarantined == {"a": 6, "b": 3}
    assert read_parquet(streamed.quarantine).equals(read_parquet(whole.quarantine))
    assert "[REDACTED:email:" in read_parquet(streamed.quarantine)[col.INSTRUCTION].iloc[0]
    assert set(streamed.files) == set(whole.files) == ({"quarantine_raw"} if keep_raw else set())
    if keep_raw:
        assert read_parquet(streamed.files["quarantine_raw"]).equals(read_parquet(whole.files["quarantine_raw"]))


@pytest.mark.parametrize("keep_raw", [False, True])
def test_shards_redact_their_own_quarantine_and_the_merge_copies_it_as_the_whole_is_written(tmp_path, keep_raw):
    rejected = to_quarantine(rows("s", 9, "synthetic"), "verify", ["a", "b", "a"] * 3, detail="why")
    whole = write_stage(str(tmp_path / "whole"), "verify", {}, rejected, 9, keep_raw, record=INSTRUCTION)
    work = str(tmp_path / "sharded")
    parts = [
        write_stage(work, "verify", {}, rejected.iloc[s : s + 4], 4, keep_raw, part=n, record=INSTRUCTION)
        for n, s in enumerate(range(0, 9, 4))
    ]
    for part in parts:  # no part on disk holds the text unredacted, unless raw text is kept (beside it)
        assert not read_parquet(part.quarantine)[col.INSTRUCTION].str.contains("@example.com").any()
        assert set(part.files) == ({"quarantine_raw"} if keep_raw else set())
    merged = merged_quarantine(work, "verify", INSTRUCTION, keep_raw, parts)
    assert merged.counts == whole.quarantined == {"a": 6, "b": 3}
    assert read_parquet(merged.path).equals(read_parquet(whole.quarantine))
    if keep_raw:
        assert read_parquet(merged.raw).equals(read_parquet(whole.files["quarantine_raw"]))
        assert read_parquet(merged.raw)[col.INSTRUCTION].str.contains("@example.com").all()


def test_a_merge_that_keeps_raw_text_refuses_a_part_written_without_it(tmp_path):
    part = write_stage(str(tmp_path), "x", {}, to_quarantine(rows("s", 2, "synthetic"), "x", "a"), 2, part=0,
                       record=INSTRUCTION)  # fmt: skip
    writer = QuarantineWriter(tmp_path / "q.parquet", INSTRUCTION, keep_raw=True)
    with pytest.raises(ValueError, match="without its raw text"):
        writer.copy(written_quarantine(part))
    assert written_quarantine(part) == WrittenQuarantine(part.quarantine, None, {"a": 2})


@pytest.mark.parametrize(
    "config",
    [
        Blend(max_synthetic_share=0.5, seed=1),
        Blend(max_synthetic_share=0.6, seed=5, stratify_by=col.CATEGORY),
        Blend(max_synthetic_share=1.0, seed=2),
    ],
)
def test_a_blend_plan_split_shard_by_shard_gives_blend_rows(tmp_path, config):
    real, synthetic = rows("r", 4, "real"), rows("s", 17, "synthetic")
    blended, over = blend_rows(real, synthetic, config)
    plan = plan_blend(len(real), write_shards(synthetic, tmp_path / "synthetic", 5, col.ROW_SCHEMA), config)
    assert [(part, len(kept)) for part, _, kept in plan.shards] == [
        (n, len(set(blended[col.ID]) & set(synthetic[col.ID].iloc[n * 5 : n * 5 + 5]))) for n in range(4)
    ]
    pieces = [split_shard(read_parquet(path), kept, plan.counts, config) for _, path, kept in plan.shards]
    assert blended_rows(real, [k for k, _ in pieces], plan)[col.ID].tolist() == blended[col.ID].tolist()
    quarantined = pd.concat([q for _, q in pieces], ignore_index=True)
    assert quarantined[[col.ID, col.SCORE, col.DETAIL]].values.tolist() == (
        over[[col.ID, col.SCORE, col.DETAIL]].values.tolist()
    )


def test_publish_reads_quarantine_files_as_it_reads_their_frame(tmp_path):
    first = to_quarantine(rows("s", 5, "synthetic"), "verify", "a")
    second = to_quarantine(rows("t", 3, "synthetic"), "blend", "b")
    files = []
    for n, frame in enumerate((first, second)):
        files.append(
            write_stage(str(tmp_path / str(n)), "x", {}, frame, 0, redact=False, record=INSTRUCTION).quarantine
        )
    frame = pd.concat([read_parquet(f) for f in files], ignore_index=True)
    columns = [col.ID, col.STAGE, col.REASON]
    assert quarantine_columns(files, columns).equals(quarantine_columns(frame, columns))
    schema = pq.read_schema(files[0])
    write_quarantine(files, str(tmp_path / "streamed.parquet"), schema, redact=True)
    write_quarantine(frame, str(tmp_path / "whole.parquet"), schema, redact=True)
    assert read_parquet(tmp_path / "streamed.parquet").equals(read_parquet(tmp_path / "whole.parquet"))
