"""Decontamination against one very long eval item: wall time and peak RSS of indexing an eval set of five
ordinary items plus one item of SIZE_MB of prose (distinct sentences, seeded) and checking 50 candidates
against it, with the bundled int8 encoder. Each run is a child process, stopped after TIMEOUT seconds.
Writes bench/results/long_eval_item.json.  Usage: python bench/long_eval_item.py [SIZE_MB] [TIMEOUT]
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import random, sys, time, resource
sys.path.insert(0, {root!r})
from schemas.spec import Decontamination
from tasks.decontaminate.contamination import score_contamination
from tasks.decontaminate.eval_index import build_eval_index
from tasks.embeddings.encoder import encoder

rng = random.Random(0)
words = "river mill boat stone garden letter winter market candle bridge window forest".split()
parts, size = [], 0
while size < {size_mb} * 1_000_000:
    sentence = " ".join(rng.choice(words) for _ in range(10)).capitalize() + f" near {{rng.randrange(10**6)}}."
    parts.append(sentence)
    size += len(sentence) + 1
long_item = " ".join(parts)
texts = [
    "What is the boiling point of water at sea level?",
    "Name the largest planet in the solar system.",
    "How many sides does a hexagon have?",
    "Who wrote the play Hamlet?",
    "Translate 'good morning' into French.",
    long_item,
]
candidates = [f"Write a short poem about a {{w}} in winter, number {{i}}." for i, w in enumerate(words * 4)][:48]
candidates += [parts[7], parts[len(parts) // 2]]  # a copied sentence from the start and one from the middle
embed = encoder()
embed(["warm up"])
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
evals = build_eval_index([str(i) for i in range(len(texts))], texts, embed)
verdicts = score_contamination(candidates, evals, Decontamination(), embed)
print(time.perf_counter() - start, baseline, int(verdicts["contaminated"].sum()), len(evals.owner), flush=True)
"""


def run(size_mb: float, timeout: float) -> dict:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), size_mb=size_mb)], stdout=subprocess.PIPE, text=True
    )
    process, peak, start = psutil.Process(child.pid), 0, time.monotonic()
    while child.poll() is None and time.monotonic() - start < timeout:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    if child.poll() is None:
        child.kill()
        child.wait()
        return {"finished": False, "seconds": round(time.monotonic() - start, 1), "peak_rss_mb": peak >> 20}
    seconds, baseline_kb, flagged, chunks = child.stdout.read().split() if child.stdout else ("nan", 0, 0, 0)
    return {
        "finished": True,
        "seconds": round(float(seconds), 2),
        "peak_rss_mb": peak >> 20,
        "rss_with_encoder_loaded_mb": int(baseline_kb) >> 10,
        "candidates_flagged": int(flagged),
        "chunks_indexed": int(chunks),
    }


if __name__ == "__main__":
    size_mb = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 600
    result = {"size_mb": size_mb, "timeout_seconds": timeout, "machine": platform.machine(), **run(size_mb, timeout)}
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results" / "long_eval_item.json").write_text(json.dumps(result, indent=2) + "\n")
