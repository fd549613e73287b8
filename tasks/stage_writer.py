"""A stage's output and quarantine written a frame at a time, so a stage that streams its shards never holds every
row: the files, the shard layout and the counts are those write_stage writes from whole frames."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.record_derived import quarantine_schema
from schemas.record_schema import RecordSchema
from tasks.privacy.guard import marked_redacted, redact_rows, written_redacted
from tasks.quarantine import count_reasons
from tasks.shards import shard_name
from tasks.tables import arrow_table


@dataclass(frozen=True)
class WrittenQuarantine:
    """A quarantine already on disk: its file, its raw-text file (or None), and its rows per reason."""

    path: str
    raw: str | None
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


class ShardWriter:
    """Rows appended a frame at a time, written under folder as shards of exactly `size` rows (the last shorter,
    one empty shard when there are none): the layout write_shards gives the whole table."""

    def __init__(self, folder: str | Path, size: int, schema: pa.Schema) -> None:
        self.folder, self.size, self.schema = Path(folder), size, schema
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("*.parquet"):
            stale.unlink()
        self.pending: list[pa.Table] = []
        self.pending_rows = self.written = 0

    def add(self, frame: pd.DataFrame) -> None:
        self.pending.append(arrow_table(frame.reindex(columns=self.schema.names), self.schema))
        self.pending_rows += len(frame)
        while self.pending_rows >= self.size:
            self._flush(self.size)

    def _flush(self, rows: int) -> None:
        table = pa.concat_tables(self.pending) if self.pending else self.schema.empty_table()
        pq.write_table(table.slice(0, rows), self.folder / shard_name(self.written))
        self.written += 1
        rest = table.slice(rows)
        self.pending, self.pending_rows = [rest], rest.num_rows

    def close(self) -> str:
        """Write what is left; returns the folder."""
        if self.pending_rows or not self.written:
            self._flush(self.pending_rows)
        return str(self.folder)


class QuarantineWriter:
    """A stage's quarantine appended a frame at a time to one Parquet file with the record's quarantine schema,
    redacted unless told not to (each row is redacted on its own, so frame by frame is the same as whole), with its
    raw text in a second file when kept."""

    def __init__(self, path: str | Path, record: RecordSchema, keep_raw: bool = False, redact: bool = True) -> None:
        self.path, self.schema, self.redact = Path(path), quarantine_schema(record), redact
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.path, marked_redacted(self.schema) if redact else self.schema)
        self.raw_path = self.path.with_name(f"{self.path.stem}-raw.parquet") if keep_raw else None
        self.raw = pq.ParquetWriter(self.raw_path, self.schema) if self.raw_path else None
        self.counts: Counter[str] = Counter()

    def add(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        frame = frame.reindex(columns=self.schema.names)
        self.counts.update(count_reasons(frame))
        if self.raw is not None:
            self.raw.write_table(arrow_table(frame, self.schema))
        self.writer.write_table(arrow_table(redact_rows(frame) if self.redact else frame, self.schema))

    def copy(self, written: WrittenQuarantine) -> None:
        """Append a quarantine a shard already wrote, as it is when it says it was redacted (its raw text to the raw
        file): redacting it again would change nothing and cost, on one worker, what the shards paid on all of them.
        One not marked redacted is redacted here."""
        if self.raw is not None and written.raw is None:
            raise ValueError(f"{written.path}: written without its raw text, which this quarantine keeps")
        redact = self.redact and not written_redacted(written.path)
        for path, writer in ((written.path, self.writer), (written.raw, self.raw)):
            if writer is None:
                continue
            for batch in pq.ParquetFile(path).iter_batches():
                table = pa.Table.from_batches([batch]).select(self.schema.names).cast(self.schema)
                if redact and writer is self.writer:
                    table = arrow_table(redact_rows(table.to_pandas()), self.schema)
                writer.write_table(table)
        self.counts.update(written.counts)

    def close(self) -> WrittenQuarantine:
        self.writer.close()
        if self.raw is not None:
            self.raw.close()
        counts = dict(sorted(self.counts.items()))
        return WrittenQuarantine(str(self.path), str(self.raw_path) if self.raw_path else None, counts)
