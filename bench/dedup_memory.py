"""Where dedup's memory goes: the dedup stage's core on N template rows of the widened demo spec (bench/scale.py),
in this process and without Prefect, with the process's RSS sampled every 20 ms and kept per step (the highest
while the step ran, and what stayed after it). Prints one JSON line.

Usage: python bench/dedup_memory.py ROWS [EMBEDDING_CACHE]
(the cache, an SQLite file, keeps the rows' vectors between runs: the second run of a size embeds nothing.)
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tasks.dedup.duplicates as duplicates  # noqa: E402
import tasks.similarity.row_pairs as row_pairs  # noqa: E402
import tasks.stage_result as stage_result  # noqa: E402
from bench.scale import wide_spec  # noqa: E402
from schemas.record_derived import row_schema  # noqa: E402
from schemas.spec import load_spec  # noqa: E402
from tasks.embeddings.cache import EmbeddingCache  # noqa: E402
from tasks.generate.templates import generate_from_templates  # noqa: E402
from tasks.spec_inputs import load_real_rows  # noqa: E402
from tasks.stages import dedup_stage  # noqa: E402

STEPS = [
    (duplicates, "find_exact_duplicates"),
    (row_pairs, "neighbour_graph"),
    (duplicates, "find_lexical_duplicates"),
    (duplicates, "find_near_duplicates"),
    (stage_result, "redact_rows"),
]


class StepMeter:
    """The highest RSS while each marked step ran, and the RSS when it returned (MB)."""

    def __init__(self) -> None:
        self.process, self.step = psutil.Process(), "read"
        self.peak: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        threading.Thread(target=self._sample, daemon=True).start()

    def rss(self) -> int:
        return self.process.memory_info().rss >> 20

    def _sample(self) -> None:
        while True:
            step = self.step
            self.peak[step] = max(self.peak.get(step, 0), self.rss())
            time.sleep(0.02)

    def marked(self, name: str, function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            outer, self.step, start = self.step, name, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.after[name], self.step = self.rss(), outer
                self.seconds[name] = round(self.seconds.get(name, 0) + time.perf_counter() - start, 1)

        return run


def main(rows: int, cache: str) -> None:
    meter = StepMeter()
    for module, name in STEPS:
        setattr(module, name, meter.marked(name, getattr(module, name)))
    EmbeddingCache.__call__ = meter.marked("embed", EmbeddingCache.__call__)  # type: ignore[method-assign]
    row_pairs.RowPairs.scores = meter.marked("pair_scores", row_pairs.RowPairs.scores)  # type: ignore[method-assign]
    folder = Path(tempfile.mkdtemp(prefix="dedup-memory-"))
    spec = load_spec(str(wide_spec(rows, folder)))
    real = load_real_rows(spec)
    made, _ = generate_from_templates(spec.generator, real.to_dict("records"), 0, rows, spec.record_schema)
    pd.DataFrame(made, columns=row_schema(spec.record_schema).names).assign(build_run_id="bench").to_parquet(
        folder / "synthetic.parquet"
    )
    real.to_parquet(folder / "real.parquet")
    del made
    before, meter.step = meter.rss(), "dedup"
    result = dedup_stage.fn(
        spec, str(folder / "synthetic.parquet"), str(folder / "real.parquet"), str(folder / "work"), cache, "", []
    )
    steps = {name: {"peak_mb": meter.peak.get(name), "after_mb": meter.after.get(name)} for name in meter.after}
    figures = {"rows": rows, "rss_before_mb": before, "peak_mb": max(meter.peak.values()), "steps": steps}
    print(json.dumps(figures | {"seconds": meter.seconds, "kept": result.rows_out, "quarantined": result.quarantined}))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else str(Path(tempfile.mkdtemp()) / "vectors.sqlite"))
