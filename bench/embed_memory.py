"""Where the embed stage's memory goes: the embed shards of N template rows of the widened demo spec (bench/scale.py)
run side by side in one process as a build runs them, with the process's RSS sampled every 20 ms, and each suspect
switched off on demand. Prints one JSON line: RSS before, with the encoder loaded, highest during the shards, after
them and after malloc_trim (MB), wall and CPU seconds, and a digest of every shard's vectors.

Usage: python bench/embed_memory.py ROWS [--mode threads|serial|prefect] [--no-store] [--arena on|off]
[--patterns on|off] [--tracemalloc] [--tokenize-locked] [--tokenize-block N]
(--mode: the shards on 4 threads a core (the build's runner, default), one after another, or on Prefect's thread
runner with an embedded API, the task's cache key and persisted result as in a build (a fresh folder, so a
fresh key); --no-store: nothing written to the SQLite cache; --arena / --patterns: onnxruntime's
enable_cpu_mem_arena / enable_mem_pattern, forced for this run; --tracemalloc: the Python objects' peak as well;
--tokenize-locked: a call tokenises only once the encoder is free; --tokenize-block: texts per encode_batch.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tasks.stages  # noqa: E402, F401  # limits malloc arenas at import, as in a build
from bench.scale import wide_spec  # noqa: E402
from schemas.record_derived import row_schema  # noqa: E402
from schemas.spec import load_spec  # noqa: E402
from tasks.allocator import release_free_memory  # noqa: E402
from tasks.embeddings import onnx_int8  # noqa: E402
from tasks.embeddings.cache import EmbeddingCache  # noqa: E402
from tasks.embeddings.encoder import encoder, release_encoders  # noqa: E402
from tasks.generate.templates import generate_from_templates  # noqa: E402
from tasks.shards import write_shards  # noqa: E402
from tasks.spec_inputs import load_real_rows  # noqa: E402
from tasks.stage_shards import embed_shard, embed_shards  # noqa: E402


class Peak:
    """The highest RSS (MB) since the last reset, sampled every 20 ms."""

    def __init__(self) -> None:
        self.process, self.highest = psutil.Process(), 0
        threading.Thread(target=self._sample, daemon=True).start()

    def rss(self) -> int:
        return self.process.memory_info().rss >> 20

    def _sample(self) -> None:
        while True:
            self.highest = max(self.highest, self.rss())
            time.sleep(0.02)


def force_session_options(arena: str | None, patterns: str | None) -> None:
    """onnxruntime sessions made from now on take these SessionOptions whatever their caller set."""
    import onnxruntime

    made = onnxruntime.InferenceSession

    def session(path, options=None, *args, **kwargs):
        options = options or onnxruntime.SessionOptions()
        if arena:
            options.enable_cpu_mem_arena = arena == "on"
        if patterns:
            options.enable_mem_pattern = patterns == "on"
        return made(path, options, *args, **kwargs)

    onnxruntime.InferenceSession = session  # type: ignore[misc]


def tokenize_under_the_lock() -> None:
    """The int8 encoder tokenises a call's texts only once it holds its one-call-at-a-time lock."""
    from tasks.embeddings.onnx_int8 import OnnxEncoder

    called, locked = OnnxEncoder.__call__, threading.Lock()

    def call(self, texts):
        with locked:
            return called(self, texts)

    OnnxEncoder.__call__ = call  # type: ignore[method-assign]


def run_shards(spec, work: str, cache: str, shards: list, mode: str) -> list[dict]:
    if mode == "serial":
        return [embed_shard.fn(spec, work, cache, shard) for shard in shards]
    if mode == "threads":
        with ThreadPoolExecutor(4 * (os.cpu_count() or 1)) as pool:  # the build's thread runner, without Prefect
            return list(pool.map(lambda shard: embed_shard.fn(spec, work, cache, shard), shards))
    from prefect import flow, unmapped

    from flows.build import thread_runner

    @flow(task_runner=thread_runner())
    def embed() -> list[dict]:
        return embed_shard.map(unmapped(spec), unmapped(work), unmapped(cache), shards).result()

    return embed()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int)
    parser.add_argument("--mode", choices=["threads", "serial", "prefect"], default="threads")
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--arena", choices=["on", "off"])
    parser.add_argument("--patterns", choices=["on", "off"])
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--tokenize-locked", action="store_true")
    parser.add_argument("--tokenize-block", type=int)
    args = parser.parse_args()
    if args.arena or args.patterns:
        force_session_options(args.arena, args.patterns)
    if args.tokenize_block:
        onnx_int8.TOKENIZE_BLOCK = args.tokenize_block
    if args.tokenize_locked:
        tokenize_under_the_lock()
    if args.no_store:
        EmbeddingCache._store = lambda self, keys, vectors: None  # type: ignore[method-assign]
    meter = Peak()
    folder = Path(tempfile.mkdtemp(prefix="embed-memory-"))
    spec = load_spec(str(wide_spec(args.rows, folder)))
    real = load_real_rows(spec)
    made, _ = generate_from_templates(spec.generator, real.to_dict("records"), 0, args.rows, spec.record_schema)
    synthetic, real_path = folder / "synthetic", folder / "real.parquet"
    frame = pd.DataFrame(made, columns=row_schema(spec.record_schema).names).assign(build_run_id="bench")
    write_shards(frame, synthetic, 5000, pa.Schema.from_pandas(frame, preserve_index=False))  # verify's files
    del frame
    real.to_parquet(real_path)
    del made
    if args.mode == "prefect":
        from flows.embedded_api import start_embedded_api

        start_embedded_api()  # before the first figure: Prefect's own memory is not the stage's
    before = meter.rss()
    encoder(spec.embeddings.backend)
    loaded = meter.rss()
    if args.tracemalloc:
        tracemalloc.start()
    meter.highest, start, cpu = 0, time.perf_counter(), time.process_time()
    shards = embed_shards(str(synthetic), str(real_path))
    results = run_shards(spec, str(folder / "work"), str(folder / "vectors.sqlite"), shards, args.mode)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    figures = {
        "rows": args.rows,
        "options": {k: v for k, v in vars(args).items() if k != "rows" and v},
        "rss_before_mb": before,
        "rss_encoder_loaded_mb": loaded,
        "rss_peak_in_shards_mb": meter.highest,
        "rss_after_shards_mb": meter.rss(),
        "rss_after_trim_mb": release_free_memory() and meter.rss(),
        "seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "vectors_sha256": digest(results),
    }
    release_encoders()
    figures["rss_encoder_released_mb"] = meter.rss()
    if args.tracemalloc:
        figures["python_peak_mb"] = tracemalloc.get_traced_memory()[1] >> 20
    print(json.dumps(figures), flush=True)


def digest(results: list[dict]) -> str:
    """One hash of every shard's vectors' bytes, in order."""
    hashed = hashlib.sha256()
    for result in results:
        hashed.update(np.load(result["path"], allow_pickle=False).tobytes())
    return hashed.hexdigest()[:16]


if __name__ == "__main__":
    main()
