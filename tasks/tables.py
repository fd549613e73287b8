"""Reading and writing tables in the formats users hand us: JSON Lines, CSV and Parquet."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class TableError(ValueError):
    """A file that cannot be read as a table; the message names the file."""


def table_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if "://" not in str(path) and Path(path).is_dir():
        raise TableError(f"{path}: a folder, not a file (name one .jsonl, .csv or .parquet file)")
    if suffix not in FORMATS:
        raise TableError(f"{path}: unsupported file type {suffix!r} (use .jsonl, .csv or .parquet)")
    return FORMATS[suffix]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a JSONL, CSV or Parquet file; every failure names the file."""
    kind = table_format(path)
    local = Path(path) if "://" not in str(path) else None
    if local is not None and (
        local.is_fifo() or local.is_char_device() or local.is_block_device() or local.is_socket()
    ):
        raise TableError(f"{path}: not a file but a pipe, device or socket (reading it may never end)")
    try:
        if kind == "parquet":
            return pq.read_table(path).to_pandas()
        if kind == "csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        return pd.read_json(path, lines=True, dtype=False)
    except FileNotFoundError:
        raise TableError(f"{path}: file not found") from None
    except Exception as error:  # each reader raises its own types for a malformed file
        # pandas stops at the first fault it meets: a byte that is not UTF-8 further down is not why, then
        not_utf8 = kind == "csv" and isinstance(error, UnicodeDecodeError)
        where = _bad_jsonl_line(path) if kind == "jsonl" else _not_utf8_line(path) if not_utf8 else None
        raise TableError(f"{path}: cannot be read as {kind}: {where or error}") from None


def read_option(flag: str, path: str | Path) -> pd.DataFrame:
    """read_table for a command-line option: its errors name the option as well ("--eval x.jsonl: file not found")."""
    try:
        return read_table(path)
    except TableError as error:
        raise TableError(f"{flag} {error}") from None


def _bad_jsonl_line(path: str | Path) -> str | None:
    """'line N: <why>' for the first line of a JSON Lines file that is not UTF-8 or not a JSON object (pandas
    names a byte)."""
    if (where := _not_utf8_line(path)) is not None:
        return where
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line.strip())
                except ValueError as error:
                    return f"line {number}: {error}"
                if not isinstance(value, dict):
                    return f"line {number}: not a JSON object"
    except OSError:
        return None
    return None


def _not_utf8_line(path: str | Path) -> str | None:
    """'line N: not UTF-8 ...' for the first line of a text file that is not UTF-8, else None."""
    try:
        with open(path, "rb") as lines:
            for number, raw in enumerate(lines, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    return f"line {number}: not UTF-8 (byte {raw[error.start]:#04x} at column {error.start + 1})"
    except OSError:
        return None
    return None


def require_column(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    if column not in frame.columns:
        raise TableError(f"{path}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")


def require_text(frame: pd.DataFrame, column: str, path: str | Path) -> None:
    """Every row holds a non-blank text in column: an eval item without one could never be matched, so it would
    leave that item unprotected without a word."""
    blank = frame[column].isna() | frame[column].astype(str).str.strip().eq("")
    if blank.any():
        rows = [str(int(i) + 1) for i in blank.to_numpy().nonzero()[0][:5]]
        more = f" and {int(blank.sum()) - len(rows)} more" if blank.sum() > len(rows) else ""
        raise TableError(f"{path}: row {', '.join(rows)}{more}: no text in column {column!r}")


def check_output_path(path: str | Path) -> None:
    """TableError naming path when write_table could not write there: checked before the work, not after it."""
    table_format(path)
    if Path(path).is_dir():
        raise TableError(f"{path}: is a folder, not a file to write")


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write by extension, atomically: the file appears whole or not at all."""
    path = Path(path)
    kind = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        if kind == "parquet":
            frame.to_parquet(tmp, index=False)
        elif kind == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def arrow_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """frame's columns of schema as an Arrow table of exactly that schema."""
    frame = frame[schema.names]
    nested = [f.name for f in schema if pa.types.is_nested(f.type) and frame[f.name].dtype.kind == "f"]
    if nested:  # a column of nothing but missing values reads as float, which Arrow cannot make a list of
        frame = frame.astype({name: object for name in nested})
        for name in nested:
            frame[name] = frame[name].where(frame[name].notna(), None)
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


def write_parquet(frame: pd.DataFrame, path: str | Path, schema: pa.Schema) -> str:
    """Write a shard with a fixed Arrow schema; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow_table(frame, schema), path)
    return str(path)


def read_columns(path: str | Path, columns: list[str]) -> pd.DataFrame:
    """Only these columns of a Parquet file or folder of shards (in the order of their names): what a stage needs
    of every row, without the rest."""
    path = Path(path)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
    parts = [pq.read_table(p, columns=columns) for p in files]
    return pa.concat_tables(parts).to_pandas() if parts else pd.DataFrame(columns=columns)


def iter_frames(path: str | Path, rows: int = 50_000):
    """A Parquet file, or a folder of shards in the order of their names, as frames of at most `rows` rows."""
    path = Path(path)
    for file in sorted(path.glob("*.parquet")) if path.is_dir() else [path]:
        for batch in pq.ParquetFile(file).iter_batches(batch_size=rows):
            yield batch.to_pandas()


def iter_blocks(path: str | Path, rows: int = 50_000):
    """A Parquet file, or a folder of shards in the order of their names, as frames of `rows` rows (the last may be
    shorter) read across the shards' boundaries: for work whose cost is mostly per call, not per row."""
    path = Path(path)
    buffered: list[pa.Table] = []
    size = 0
    for file in sorted(path.glob("*.parquet")) if path.is_dir() else [path]:
        for batch in pq.ParquetFile(file).iter_batches(batch_size=rows):
            buffered.append(pa.Table.from_batches([batch]))
            size += batch.num_rows
            while size >= rows:
                table = pa.concat_tables(buffered)
                yield table.slice(0, rows).to_pandas()
                buffered, size = [table.slice(rows)], size - rows
    if size:
        yield pa.concat_tables(buffered).to_pandas()


def read_parquet(path: str | Path) -> pd.DataFrame:
    """A Parquet file, or a folder of Parquet shards read in the order of their names."""
    path = Path(path)
    if path.is_dir():
        parts = [pq.read_table(p) for p in sorted(path.glob("*.parquet"))]
        return pa.concat_tables(parts).to_pandas() if parts else pd.DataFrame()
    return pq.read_table(path).to_pandas()
