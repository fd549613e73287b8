"""The int8 encoder with one text a run against runs of same-length texts (tasks/embeddings/onnx_int8.py RUN_TEXTS),
side by side in one process: the vectors must be the same bit for bit, and the batched runs faster. Texts: 1,000
MMLU items and 1,000 MRPC sentences from --data, and 1,000 template word problems made here. Prints and writes
bench/results/encoder_runs.json: items/s per text kind (medians of --repeats, alternating), their ratio, the largest
difference between the vectors, the cores used and the load average.

Usage: python bench/encoder_runs.py --data DIR [--repeats 5] [--run-texts 32]
(run under `taskset -c 1` for a single core, as a pinned Dask worker has)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.embeddings import onnx_int8  # noqa: E402
from tasks.embeddings.encoder import encoder  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "encoder_runs.json"


def template_problems(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    names = ["James", "Maria", "Olu", "Chen", "Priya", "Tom", "Aisha", "Lars"]
    things = ["apples", "marbles", "stickers", "pencils", "cookies"]
    return [
        f"{rng.choice(names)} has {rng.randint(2, 5000)} {rng.choice(things)} and gives {rng.randint(1, 99)} to each "
        f"of {rng.randint(2, 40)} friends. How many are left?"
        for _ in range(count)
    ]


def texts_of(data: Path) -> dict[str, list[str]]:
    def field(path: Path, name: str) -> list[str]:
        with path.open() as lines:
            return [json.loads(line)[name] for line in lines][:1000]

    return {
        "mmlu": field(data / "contamination-dev" / "eval_mmlu_test.jsonl", "text"),
        "mrpc": field(data / "paraphrase-dev" / "mrpc_train_pairs.jsonl", "text_a"),
        "template": template_problems(1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--run-texts", type=int, default=onnx_int8.RUN_TEXTS)
    args = parser.parse_args()
    embed = encoder("onnx-int8")
    kinds = texts_of(args.data)
    speeds: dict[str, list[float]] = {}
    largest = 0.0
    for _ in range(args.repeats):
        for kind, texts in kinds.items():
            vectors = {}
            for run_texts in (1, args.run_texts):
                onnx_int8.RUN_TEXTS = run_texts
                started = time.perf_counter()
                vectors[run_texts] = embed(texts)
                speeds.setdefault(f"{kind}/{run_texts}", []).append(len(texts) / (time.perf_counter() - started))
            largest = max(largest, float(np.abs(vectors[1] - vectors[args.run_texts]).max()))
    medians = {key: round(statistics.median(values), 1) for key, values in speeds.items()}
    result = {
        "cores": len(os.sched_getaffinity(0)),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "repeats": args.repeats,
        "run_texts": args.run_texts,
        "items_per_second": medians,
        "batched_over_one_text": {
            kind: round(medians[f"{kind}/{args.run_texts}"] / medians[f"{kind}/1"], 2) for kind in kinds
        },
        "largest_vector_difference": largest,
    }
    print(json.dumps(result))
    runs = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    RESULTS.write_text(json.dumps(runs + [result], indent=2) + "\n")


if __name__ == "__main__":
    main()
