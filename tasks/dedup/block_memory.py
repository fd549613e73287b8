"""What a process keeps between the blocks of one dedup plan (tasks/dedup/plan.py), and the plan folder's Arrow
files: the graph index its search blocks read, the profiles its score blocks read, and how many blocks run at once."""

from __future__ import annotations

import os
import pickle
import threading
from collections import OrderedDict
from pathlib import Path

import faiss
import numpy as np
import pyarrow as pa

from tasks.similarity.pair_features import Profile
from tasks.vectors.index import load_index

# Search and score blocks a process runs at once: a core's worth. The thread runner has 4 threads a core (for the
# sandbox), and 8 search blocks at once each held a copy of the index (0.35 GB at a million rows: dedup's peak RSS was
# 8.0 GB); the scoring holds the GIL, so more score blocks at once only held their profiles.
WORKING = threading.BoundedSemaphore(os.cpu_count() or 1)
MEMO_ROWS = 100_000  # profiles a process keeps between score blocks (1.2 to 3.9 KB each: up to 0.4 GB)


def write_arrow(path: Path, name: str, values: list, kind: pa.DataType) -> None:
    write_tables(path, [pa.table({name: pa.array(values, kind)})])


def write_tables(path: Path, tables: list[pa.Table]) -> None:
    """The tables, one after another, as a new file in path's place, never the old one rewritten: a process's map
    of the old one stays whole, and ReadProfiles tells the new one from the old by its inode."""
    written = path.with_name(path.name + ".partial")
    with pa.OSFile(str(written), "wb") as sink, pa.ipc.new_file(sink, tables[0].schema) as writer:
        for table in tables:
            writer.write_table(table)
    os.replace(written, path)


def file_identity(path: Path) -> tuple:
    found = path.stat()
    return str(path), found.st_ino, found.st_mtime_ns, found.st_size


def read_arrow(path: Path, name: str, rows: np.ndarray | None = None) -> list:
    with pa.memory_map(str(path)) as source:
        column = pa.ipc.open_file(source).read_all().column(name)
        return (column if rows is None else column.take(pa.array(rows, pa.int64()))).to_pylist()


class ReadProfiles:
    """The profiles of one plan's rows, as its score blocks read them in this process: the MEMO_ROWS read last are
    kept, so a process that scores several of a plan's blocks reads most rows once (a row's nearest rows fall in
    many blocks: 13 blocks at 100k rows named 5.3 times as many rows as the plan has, 4 s of unpickling)."""

    def __init__(self) -> None:
        self.source: tuple | None = None  # the profiles file kept from: a folder planned again has another
        self.kept: OrderedDict[int, Profile] = OrderedDict()
        self.lock = threading.Lock()

    def of(self, folder: Path, rows: np.ndarray) -> dict[int, Profile]:
        """rows (positions in the texts) -> profile."""
        source = file_identity(folder / "profiles.arrow")
        with self.lock:
            if source != self.source:
                self.source, self.kept = source, OrderedDict()
            found = {}
            for row in rows.tolist():
                if row in self.kept:
                    self.kept.move_to_end(row)
                    found[row] = self.kept[row]
        missing = np.array([row for row in rows.tolist() if row not in found], np.int64)
        if len(missing):
            at = np.searchsorted(np.load(folder / "candidates.npy", mmap_mode="r"), missing)
            values = read_arrow(folder / "profiles.arrow", "profile", at)
            read = {row: pickle.loads(value) for row, value in zip(missing.tolist(), values)}
            found.update(read)
            with self.lock:
                if source == self.source:
                    self.kept.update(read)
                    while len(self.kept) > MEMO_ROWS:
                        self.kept.popitem(last=False)
        return found

    def forget(self) -> None:
        with self.lock:
            self.source, self.kept = None, OrderedDict()


PROFILES_READ = ReadProfiles()


class ReadIndex:
    """The graph index the search blocks of one plan read in this process, loaded once (FAISS searches one index
    from several threads at once)."""

    def __init__(self) -> None:
        self.source: tuple | None = None
        self.index: faiss.Index | None = None
        self.lock = threading.Lock()

    def of(self, path: Path) -> faiss.Index:
        source = file_identity(path)
        with self.lock:
            if source != self.source or self.index is None:
                self.source, self.index = source, load_index(path)
            return self.index

    def forget(self) -> None:
        with self.lock:
            self.source, self.index = None, None


INDEX_READ = ReadIndex()


def forget_profiles() -> None:
    """Let go of the index and the profiles this process's blocks kept (a function, so a task that calls it pickles
    by reference: Dask pickles a task's own globals by value, and the memos hold locks)."""
    PROFILES_READ.forget()
    INDEX_READ.forget()
