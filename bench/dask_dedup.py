"""Dedup's steps through Prefect (flows/build.py's dedup_steps) on a Dask LocalCluster of 1 and of 2 pinned one-thread
workers, the two alternating `--repeats` times: each run's seconds, the medians and their ratio. A whole build at 100k
rows (bench/scale.py) times dedup once per worker count, beside stages whose short shards spread its ratio between
runs; this times dedup alone, side by side.

Rows: bench/scale.py's wide spec, generated once; their vectors are embedded once into VECTORS (kept between runs,
as bench/dedup_memory.py keeps them). Each run plans in a fresh work folder, so no run reads another's cached steps.
Usage: python bench/dask_dedup.py ROWS VECTORS [--repeats N]   (JSON on stdout)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dask_workers import start_cluster  # noqa: E402
from bench.dedup_memory import kept_vectors  # noqa: E402
from bench.scale import wide_spec  # noqa: E402


def prepared(rows: int, vectors: str) -> tuple:
    """dedup_steps' inputs but the work folder: (spec, synthetic, real, embedded, cache)."""
    from schemas.record_derived import row_schema
    from schemas.spec import load_spec
    from tasks.generate.templates import generate_from_templates
    from tasks.local_cache import cache_root
    from tasks.spec_inputs import load_real_rows
    from tasks.stage_shards import embed_shard, embed_shards

    folder = Path(tempfile.mkdtemp(prefix="dask-dedup-"))
    spec = load_spec(str(wide_spec(rows, folder)))
    real = load_real_rows(spec)
    made, _ = generate_from_templates(spec.generator, real.to_dict("records"), 0, rows, spec.record_schema)
    synthetic, real_path = folder / "synthetic.parquet", folder / "real.parquet"
    pd.DataFrame(made, columns=row_schema(spec.record_schema).names).assign(build_run_id="bench").to_parquet(synthetic)
    real.to_parquet(real_path)
    cache = str(cache_root() / "embeddings.sqlite")
    embedded = [
        kept_vectors(vectors, shard) or embed_shard.fn(spec, vectors, cache, shard)
        for shard in embed_shards(str(synthetic), str(real_path))
    ]
    return spec, str(synthetic), str(real_path), embedded, cache


def timed_dedup(inputs: tuple, workers: int) -> tuple[float, dict]:
    """(seconds of dedup_steps inside a flow on `workers` pinned workers, the quarantine's counts)."""
    from prefect import flow

    from flows.build import dedup_steps
    from flows.dask_runner import FreshKeyDaskTaskRunner

    spec, synthetic, real, embedded, cache = inputs
    cluster, _ = start_cluster(workers, pin=True)

    @flow(task_runner=FreshKeyDaskTaskRunner(address=cluster.scheduler_address))
    def dedup_alone(work: str) -> tuple[float, dict]:
        started = time.perf_counter()
        result = dedup_steps((spec, synthetic, real, embedded, work, cache, "", []))
        return time.perf_counter() - started, result.quarantined

    try:
        return dedup_alone(tempfile.mkdtemp(prefix="dask-dedup-work-"))
    finally:
        cluster.close()


def main() -> None:
    from flows.embedded_api import start_embedded_api

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("vectors")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    inputs = prepared(args.rows, args.vectors)
    start_embedded_api()
    seconds: dict[int, list[float]] = {1: [], 2: []}
    counts = set()
    for _ in range(args.repeats):
        for workers in (1, 2):
            taken, quarantined = timed_dedup(inputs, workers)
            seconds[workers].append(round(taken, 2))
            counts.add(json.dumps(quarantined, sort_keys=True))
    medians = {workers: statistics.median(runs) for workers, runs in seconds.items()}
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": {f"{w}_workers": runs for w, runs in seconds.items()},
                "median_seconds": {f"{w}_workers": m for w, m in medians.items()},
                "speedup_of_medians": round(medians[1] / medians[2], 3),
                "same_verdicts_every_run": len(counts) == 1,
                "quarantined": json.loads(counts.pop()) if len(counts) == 1 else None,
            }
        )
    )


if __name__ == "__main__":
    main()
