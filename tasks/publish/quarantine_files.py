"""Every stage's quarantine as publish reads it: a frame (small builds, tests) or the stages' files in stage order,
read a column projection or a batch at a time, so a version's quarantine is never held whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.privacy.guard import marked_redacted, redact_rows, written_redacted
from tasks.privacy.redact import ALL_DETECTORS
from tasks.tables import arrow_table, iter_frames, read_columns

Quarantine: TypeAlias = pd.DataFrame | list[str]  # the rows, or their files in order


def quarantine_frames(quarantine: Quarantine) -> Iterator[pd.DataFrame]:
    """The quarantine's rows in order, a frame at a time."""
    if isinstance(quarantine, pd.DataFrame):
        yield quarantine
        return
    for path in quarantine:
        yield from iter_frames(path)


def quarantine_columns(quarantine: Quarantine, columns: list[str]) -> pd.DataFrame:
    """Only these columns of every quarantined row, in order."""
    if isinstance(quarantine, pd.DataFrame):
        return quarantine.reindex(columns=columns)
    frames = [read_columns(path, columns) for path in quarantine]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def write_quarantine(quarantine: Quarantine, sink: str | BinaryIO, schema: pa.Schema, redact: bool) -> None:
    """The quarantine as one Parquet file with `schema`, each frame redacted (rows are redacted one by one, so this
    is the whole redacted) when asked. A file that says it was written redacted (tasks/privacy/guard.py) is only
    checked again for secrets, this process's own among them; any other file, and a frame, is redacted whole."""
    with pq.ParquetWriter(sink, marked_redacted(schema) if redact else schema) as writer:
        for frame, detectors in _frames_to_redact(quarantine):
            frame = frame.reindex(columns=schema.names)
            writer.write_table(arrow_table(redact_rows(frame, detectors) if redact else frame, schema))


def _frames_to_redact(quarantine: Quarantine) -> Iterator[tuple[pd.DataFrame, tuple[str, ...]]]:
    """(frame, the detectors it still needs) for each frame of the quarantine, in order."""
    if isinstance(quarantine, pd.DataFrame):
        yield quarantine, ALL_DETECTORS
        return
    for path in quarantine:
        detectors = ("secret",) if written_redacted(path) else ALL_DETECTORS
        for frame in iter_frames(path):
            yield frame, detectors
