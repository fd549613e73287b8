"""Where dedup's memory goes: dedup's tasks (its plan, its pair blocks one after another, its decision) on N
template rows of the widened demo spec (bench/scale.py), in this process and without Prefect (the embed shards one
after another, then dedup), with the process's RSS
sampled every 20 ms and kept per step (the highest while the step ran, and what stayed after it), and each step's
seconds. Prints one JSON line.

Usage: python bench/dedup_memory.py ROWS [EMBEDDING_CACHE [VECTORS]]
(the cache, an SQLite file: the embed shards embed every row whatever it holds, one call per shard; VECTORS, a
folder that keeps the embed shards' arrays between runs of one size, so the second run embeds nothing.)
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tasks.dedup.plan as plan_module  # noqa: E402
import tasks.dedup_stages as dedup_stages  # noqa: E402
import tasks.similarity.row_pairs as row_pairs  # noqa: E402
import tasks.stage_result as stage_result  # noqa: E402
from bench.scale import wide_spec  # noqa: E402
from schemas.record_derived import row_schema  # noqa: E402
from schemas.spec import load_spec  # noqa: E402
from tasks.dedup_stages import (  # noqa: E402
    dedup_decision,
    dedup_pair_plan,
    dedup_pairs,
    dedup_plan,
    dedup_quarantine_part,
    dedup_rows_block,
    dedup_stage,
)
from tasks.embeddings.cache import EmbeddingCache  # noqa: E402
from tasks.generate.templates import generate_from_templates  # noqa: E402
from tasks.spec_inputs import load_real_rows  # noqa: E402
from tasks.stage_shards import embed_shard, embed_shards  # noqa: E402

STEPS = [
    (dedup_stages, "dedup_inputs"),
    (dedup_stages, "start_plan"),
    (dedup_stages, "search_rows"),
    (dedup_stages, "plan_pairs"),
    (dedup_stages, "score_block"),
    (plan_module, "pair_bounds"),
    (dedup_stages, "resolve_duplicates"),
    (stage_result, "redact_rows"),
    (row_pairs, "idf_weights"),
    (dedup_stages, "cap_per_cluster"),
    (dedup_stages, "write_shards"),
    (dedup_stages, "write_stage"),
]


class StepMeter:
    """The highest RSS while each marked step ran, and the RSS when it returned (MB)."""

    def __init__(self) -> None:
        self.process, self.step = psutil.Process(), "read"
        self.peak: dict[str, int] = {}
        self.after: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}  # the process's, all threads: what others' load cannot inflate
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
            outer, self.step, start, cpu = self.step, name, time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.after[name], self.step = self.rss(), outer
                self.seconds[name] = round(self.seconds.get(name, 0) + time.perf_counter() - start, 1)
                self.cpu_seconds[name] = round(self.cpu_seconds.get(name, 0) + time.process_time() - cpu, 1)

        return run


def kept_vectors(work: str, shard: tuple) -> dict | None:
    """An embed shard's array that an earlier run with the same VECTORS folder left (the rows are seeded)."""
    path = Path(work) / "embed" / f"{shard[0]:05d}.npy"
    return {"path": str(path), "rows": shard[3]} if path.exists() else None


def verdict_digest(result) -> str:
    """One digest of every quarantined row's id, reason and duplicate_of: two runs that decided alike match."""
    quarantine = pd.read_parquet(result.quarantine, columns=["id", "reason", "duplicate_of"]).astype(str)
    lines = sorted("\t".join(row) for row in quarantine.itertuples(index=False))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def main(rows: int, cache: str, vectors: str | None = None) -> None:
    meter = StepMeter()
    for module, name in STEPS:
        setattr(module, name, meter.marked(name, getattr(module, name)))
    EmbeddingCache.__call__ = meter.marked("embed", EmbeddingCache.__call__)  # type: ignore[method-assign]
    folder = Path(tempfile.mkdtemp(prefix="dedup-memory-"))
    spec = load_spec(str(wide_spec(rows, folder)))
    real = load_real_rows(spec)
    made, _ = generate_from_templates(spec.generator, real.to_dict("records"), 0, rows, spec.record_schema)
    pd.DataFrame(made, columns=row_schema(spec.record_schema).names).assign(build_run_id="bench").to_parquet(
        folder / "synthetic.parquet"
    )
    real.to_parquet(folder / "real.parquet")
    del made
    before, meter.step = meter.rss(), "embed"
    work = vectors or str(folder / "work")
    synthetic, real_path = str(folder / "synthetic.parquet"), str(folder / "real.parquet")
    start = time.perf_counter()
    embedded = [
        kept_vectors(work, shard) or embed_shard.fn(spec, work, cache, shard)
        for shard in embed_shards(synthetic, real_path)
    ]
    meter.seconds["embed_shards"], meter.step = round(time.perf_counter() - start, 1), "dedup"
    start, cpu = time.perf_counter(), time.process_time()
    inputs = (spec, synthetic, real_path, embedded, work, cache, "", [])
    plan = dedup_plan.fn(*inputs)
    searched = [dedup_rows_block.fn(plan, block) for block in plan["blocks"]]
    pairs = dedup_pair_plan.fn(plan, searched, spec.orchestration.shard_rows)
    decision = dedup_decision.fn(*inputs, pairs, [dedup_pairs.fn(pairs, block) for block in pairs["blocks"]])
    parts = [dedup_quarantine_part.fn(spec, work, part, path) for part, path in enumerate(decision["quarantine"])]
    result = dedup_stage.fn(spec, work, decision, parts)
    meter.seconds["dedup_stage"] = round(time.perf_counter() - start, 1)
    meter.cpu_seconds["dedup_stage"] = round(time.process_time() - cpu, 1)
    meter.seconds["blocks"] = [len(plan["blocks"]), len(pairs["blocks"])]
    steps = {name: {"peak_mb": meter.peak.get(name), "after_mb": meter.after.get(name)} for name in meter.after}
    figures = {"rows": rows, "rss_before_mb": before, "peak_mb": max(meter.peak.values()), "steps": steps}
    counts = {"kept": result.rows_out, "quarantined": result.quarantined, "verdicts": verdict_digest(result)}
    print(json.dumps(figures | {"seconds": meter.seconds, "cpu_seconds": meter.cpu_seconds} | counts))


if __name__ == "__main__":
    cache = sys.argv[2] if len(sys.argv) > 2 else str(Path(tempfile.mkdtemp()) / "vectors.sqlite")
    main(int(sys.argv[1]), cache, sys.argv[3] if len(sys.argv) > 3 else None)
