"""Shards: a stage's rows split into Parquet files named by position in a folder that stands for the whole table,
so a later stage reads the folder whole (tasks.tables.read_parquet) or maps a task over its files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def shard_ranges(total: int, size: int) -> list[tuple[int, int]]:
    """[start, stop) row ranges of at most `size` rows covering `total` rows; one empty range when there are none."""
    return [(start, min(start + size, total)) for start in range(0, total, size)] or [(0, 0)]


def even_ranges(total: int, most: int) -> list[tuple[int, int]]:
    """[start, stop) ranges covering `total` rows in near-equal parts of at most `most`, an even number of them
    unless one is enough (none for no rows): mapped over two workers, both finish together (nine search blocks of
    10,000 at 84k rows left one worker the ninth alone)."""
    if total <= most:
        return [(0, total)] if total else []
    count = -(-total // most)
    count += count % 2
    edges = [total * part // count for part in range(count + 1)]
    return list(zip(edges[:-1], edges[1:]))


def even_size(total: int, most: int) -> int:
    """The size of even_ranges(total, most)'s largest part: the shard size that splits `total` rows as it does."""
    return max((stop - start for start, stop in even_ranges(total, most)), default=most)


def shard_name(position: int) -> str:
    return f"{position:05d}.parquet"


def shard_files(table: str | Path) -> list[str]:
    """The files of a table in row order: a folder's Parquet files by name, or the one file."""
    path = Path(table)
    if path.is_dir():
        return sorted(str(p) for p in path.glob("*.parquet"))
    return [str(path)]


def table_rows(table: str | Path) -> int:
    """Rows in a table (file or folder of shards), read from the Parquet footers only."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in shard_files(table))


def write_shards(frame: pd.DataFrame, folder: str | Path, size: int, schema: pa.Schema) -> str:
    """frame as shards of at most `size` rows under folder (replacing any there); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.parquet"):
        stale.unlink()
    table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    for position, (start, stop) in enumerate(shard_ranges(len(frame), size)):
        pq.write_table(table.slice(start, stop - start), folder / shard_name(position))
    return str(folder)
