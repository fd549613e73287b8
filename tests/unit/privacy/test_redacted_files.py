"""A quarantine file says when it was written redacted; publish then checks it for secrets only (its own
environment's among them) instead of redacting it whole again, and a file or frame that does not say so is
redacted whole, wherever it is copied or published."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import quarantine_schema
from tasks.privacy.guard import written_redacted
from tasks.publish.quarantine_files import write_quarantine
from tasks.quarantine import to_quarantine
from tasks.stage_result import write_stage, written_quarantine
from tasks.stage_writer import QuarantineWriter
from tasks.tables import read_parquet

EMAIL, SECRET = "a.person@example.com", "flow-only-secret-value-42"


def rejected(text: str, n: int = 2) -> pd.DataFrame:
    rows = pd.DataFrame({col.ID: [f"s{i}" for i in range(n)], col.INSTRUCTION: text, col.SOURCE: "synthetic"})
    return to_quarantine(rows.reindex(columns=col.ROW_SCHEMA.names), "verify", "why")


def test_stage_writers_mark_what_they_redacted_and_only_that(tmp_path):
    redacted = write_stage(str(tmp_path / "a"), "x", {}, rejected(f"mail {EMAIL}"), 2, record=INSTRUCTION)
    as_is = write_stage(str(tmp_path / "b"), "x", {}, rejected(f"mail {EMAIL}"), 2, redact=False, record=INSTRUCTION)
    part = write_stage(str(tmp_path / "c"), "x", {}, rejected(f"mail {EMAIL}"), 2, part=0, record=INSTRUCTION)
    writer = QuarantineWriter(tmp_path / "d.parquet", INSTRUCTION)
    writer.add(rejected(f"mail {EMAIL}"))
    streamed = writer.close()
    assert [written_redacted(r.quarantine) for r in (redacted, as_is, part)] == [True, False, True]
    assert written_redacted(streamed.path)
    assert EMAIL in read_parquet(as_is.quarantine)[col.INSTRUCTION].iloc[0]
    assert EMAIL not in read_parquet(redacted.quarantine)[col.INSTRUCTION].iloc[0]


def test_a_copy_redacts_a_part_that_does_not_say_it_was_redacted(tmp_path):
    as_is = write_stage(str(tmp_path / "b"), "x", {}, rejected(f"mail {EMAIL}"), 2, redact=False, record=INSTRUCTION)
    writer = QuarantineWriter(tmp_path / "merged.parquet", INSTRUCTION)
    writer.copy(written_quarantine(as_is))
    merged = writer.close()
    assert not read_parquet(merged.path)[col.INSTRUCTION].str.contains(EMAIL).any() and merged.counts == {"why": 2}


def test_publish_checks_a_redacted_file_for_secrets_and_redacts_any_other_whole(tmp_path, monkeypatch):
    schema = quarantine_schema(INSTRUCTION)
    marked = write_stage(str(tmp_path / "a"), "x", {}, rejected("clean text"), 2, record=INSTRUCTION).quarantine
    # What a worker could not know: a secret of the flow's own environment, in a file redacted on the worker; and
    # an address in a file that says it was redacted, which publish trusts (a second full pass changed nothing).
    frame = read_parquet(marked).assign(**{col.INSTRUCTION: [f"key {SECRET}", f"mail {EMAIL}"]})
    pq.write_table(pa.Table.from_pandas(frame, schema=pq.read_schema(marked), preserve_index=False), marked)
    unmarked = write_stage(str(tmp_path / "b"), "x", {}, rejected(f"mail {EMAIL}"), 2, redact=False, record=INSTRUCTION)
    monkeypatch.setenv("DEPLOY_API_TOKEN", SECRET)
    write_quarantine([marked, unmarked.quarantine], str(tmp_path / "published.parquet"), schema, redact=True)
    published = read_parquet(tmp_path / "published.parquet")[col.INSTRUCTION].tolist()
    assert SECRET not in published[0] and "[REDACTED:" in published[0]
    assert published[1] == f"mail {EMAIL}"
    assert all(EMAIL not in text for text in published[2:]) and len(published) == 4
    assert written_redacted(tmp_path / "published.parquet")
    write_quarantine(rejected(f"mail {EMAIL}"), str(tmp_path / "frame.parquet"), schema, redact=True)
    assert not read_parquet(tmp_path / "frame.parquet")[col.INSTRUCTION].str.contains(EMAIL).any()
