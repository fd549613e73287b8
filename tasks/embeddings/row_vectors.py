"""The rows' vectors as the embed shards made them (tasks/stage_shards.py embed_shard): one array per shard, read back
by dedup's global step instead of embedding every row again in one call. Embed shards are EMBED_ROWS rows of a table
in row order, whatever the spec's shard_rows.

A text may sit in several shards. Its vector is a function of the text alone (tasks/embeddings/onnx_int8.py), so
it is the same in each; dedup still answers with the vector of its first row in dedup's order (references first,
then the best rows), `VectorsByText`, and stores it in the embedding cache for the stages after it. (That choice
dates from vectors that depended on the run a text was embedded in.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.embeddings.bundled_model import DIMENSIONS
from tasks.shards import shard_files
from tasks.vectors.index import as_vectors

BLOCK = 50_000  # rows copied to float32 at a time
EMBED_ROWS = 5_000  # rows per embedding call (the default shard_rows: then embed shards are verify's shards)


def embed_ranges(table: str, rows: int = EMBED_ROWS) -> list[tuple[list[str], int, int]]:
    """(the shard files a range of `rows` rows falls in, its first row within the first file, its rows) covering
    the table in order, from the Parquet footers; one empty range for an empty table."""
    files = shard_files(table)
    counts = [pq.ParquetFile(f).metadata.num_rows for f in files]
    ends = np.cumsum(counts)
    ranges = []
    for start in range(0, int(ends[-1]) if len(ends) else 0, rows):
        stop = min(start + rows, int(ends[-1]))
        first, last = (
            int(np.searchsorted(ends, start, side="right")),
            int(np.searchsorted(ends, stop - 1, side="right")),
        )
        ranges.append((files[first : last + 1], start - int(ends[first] - counts[first]), stop - start))
    return ranges or [(files[:1], 0, 0)]


def read_range(files: list[str], skip: int, rows: int) -> pd.DataFrame:
    """`rows` rows of the files end to end, from row `skip` of the first."""
    return pa.concat_tables([pq.read_table(f) for f in files]).slice(skip, rows).to_pandas()


def save_vectors(vectors: np.ndarray, path: str | Path) -> str:
    """vectors as a float32 .npy file at path, written whole (a staged file renamed into place); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".partial.npy")
    np.save(staged, np.asarray(vectors, dtype=np.float32), allow_pickle=False)
    staged.replace(path)
    return str(path)


def read_vectors(
    shards: list[dict], rows: int, order: np.ndarray | None = None, dtype: npt.DTypeLike = np.float32
) -> np.ndarray:
    """The arrays of the embed shards' results ({path, rows}), end to end: `rows` vectors, or a ValueError naming
    the shard that does not hold what it declares. With `order` (a permutation of the rows), row i of the result is
    row order[i] of the shards'. Read one shard at a time into the one array returned, each file mapped only while
    it is copied: the rows' vectors are held once (concatenating, then reordering, held them twice at once: 3 KB a
    row)."""
    found = sum(shard["rows"] for shard in shards)
    if found != rows:
        raise ValueError(f"{found} vectors in {len(shards)} shard arrays for {rows} rows")
    destination = np.arange(rows) if order is None else _inverse(np.asarray(order), rows)
    width = np.load(shards[0]["path"], mmap_mode="r").shape[1] if shards else DIMENSIONS
    vectors = np.empty((rows, width), dtype)
    start = 0
    for shard in shards:
        array = np.load(shard["path"], mmap_mode="r", allow_pickle=False)
        if array.shape != (shard["rows"], width):
            raise ValueError(f"{shard['path']}: {array.shape} vectors, declared ({shard['rows']}, {width})")
        vectors[destination[start : start + len(array)]] = array  # read here; unmapped when the next is opened
        start += len(array)
        del array
    return vectors


def _inverse(order: np.ndarray, rows: int) -> np.ndarray:
    """Where each row goes, for a result whose row i is row order[i]; a ValueError unless order is a permutation."""
    if order.shape != (rows,) or not np.array_equal(np.sort(order), np.arange(rows)):
        raise ValueError(f"the order given is not a permutation of {rows} rows")
    destination = np.empty(rows, np.int64)
    destination[order] = np.arange(rows)
    return destination


class VectorsByText:
    def __init__(self, texts: list[str], vectors: np.ndarray):
        """Each text's vector is that of its first position in texts; float16 vectors are held as float16 (RowPairs
        reads them in place, computing a block at a time in float32), any other kind as float32."""
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
        self.vectors = as_vectors(vectors)
        self.first: dict[str, int] = {}
        self.repeated: dict[str, None] = {}  # texts met more than once, in order
        for position, text in enumerate(texts):
            if self.first.setdefault(text, position) != position:
                self.repeated[text] = None

    @classmethod
    def from_shards(cls, texts: list[str], shards: list[dict], order: np.ndarray) -> VectorsByText:
        """texts with the embed shards' vectors read in `order` (read_vectors), held in float16: half the
        memory of dedup's largest part (0.75 GB at a million rows). Each block is computed on in float32; the
        rounding moves a pair's cosine by about 1e-5 (at most 1e-4)."""
        return cls(texts, read_vectors(shards, len(texts), order, dtype=np.float16))

    def __call__(self, texts: list[str]) -> np.ndarray:
        """The vectors of texts, in order, as float32 (copied a block at a time from float16: no float16 copy of
        them all); a text it was not given is a KeyError (dedup embeds nothing anew)."""
        positions = np.fromiter((self.first[t] for t in texts), np.int64, len(texts))
        vectors = np.empty((len(texts), self.vectors.shape[1]), np.float32)
        for start in range(0, len(texts), BLOCK):
            vectors[start : start + BLOCK] = self.vectors[positions[start : start + BLOCK]]
        return vectors

    def repeated_vectors(self) -> tuple[list[str], np.ndarray]:
        """(every text given more than once, the vector held for it)."""
        texts = list(self.repeated)
        return texts, self(texts)
