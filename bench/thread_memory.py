"""The generate stage's shard tasks alone on an embedded Prefect, under Prefect's default thread runner (a thread per
submitted task) or one of MAX_WORKERS threads: the process's peak RSS. Prints one JSON line.

Usage: python bench/thread_memory.py ROWS MAX_WORKERS   (0: Prefect's default)
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

from prefect import flow, unmapped
from prefect.task_runners import ThreadPoolTaskRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale import wide_spec  # noqa: E402
from flows.embedded_api import start_embedded_api  # noqa: E402
from schemas.spec import load_spec  # noqa: E402
from tasks.stage_shards import generate_shard, generate_shards  # noqa: E402


def main(rows: int, workers: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="thread-memory-"))
    spec = load_spec(str(wide_spec(rows, folder)))
    start_embedded_api()
    shard = generate_shard.with_options(cache_key_fn=None, persist_result=False)
    args = (unmapped(spec), unmapped(str(folder / "work")), unmapped("bench"), unmapped(str(folder / "cache")))

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=workers or None))
    def generate() -> int:
        return len(shard.map(*args, generate_shards(spec)).result())

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    generate()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"rows": rows, "max_workers": workers or "default", "rss_before_mb": before, "peak_mb": peak}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
