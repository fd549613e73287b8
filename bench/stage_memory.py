"""Where the gates', verify's merge and blend's memory goes: those stages' tasks on N template rows of the widened
demo spec (bench/scale.py), in this process and without Prefect, with the process's RSS sampled every 20 ms and kept
per step (the highest while the step ran, and what stayed after it). Verify's row-check shards are stood in for by
parts that pass every gated row (the sandbox's time is not what this measures). Prints one JSON line.

Usage: python bench/stage_memory.py ROWS [SHARD_ROWS]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tasks.blend.mix as mix  # noqa: E402
import tasks.stage_result as stage_result  # noqa: E402
import tasks.stage_shards as stage_shards  # noqa: E402
import tasks.stages as stages  # noqa: E402
import tasks.tables as tables  # noqa: E402
import tasks.verify.expectations as expectations  # noqa: E402
from bench.dedup_memory import StepMeter  # noqa: E402
from bench.scale import wide_spec  # noqa: E402
from schemas.record_derived import row_schema  # noqa: E402
from schemas.spec import load_spec  # noqa: E402
from tasks.allocator import release_free_memory  # noqa: E402
from tasks.generate.templates import generate_from_templates  # noqa: E402
from tasks.quarantine import empty_quarantine  # noqa: E402
from tasks.shards import shard_files, shard_ranges  # noqa: E402
from tasks.spec_inputs import load_real_rows  # noqa: E402

STEPS = [
    (stages, "read_parquet"),
    (expectations, "run_expectations"),
    (expectations, "to_quarantine"),
    (stages, "review_rows"),
    (stages, "blend_rows"),
    (mix, "to_quarantine"),
    (stage_result, "redact_rows"),
    (stage_result, "write_shards"),
    (stage_result, "write_parquet"),
    (tables, "write_parquet"),
]


def main(rows: int, shard_rows: int) -> None:
    meter = StepMeter()
    for module, name in STEPS:
        if hasattr(module, name):
            setattr(module, name, meter.marked(f"{module.__name__.rsplit('.', 1)[-1]}.{name}", getattr(module, name)))
    folder = Path(tempfile.mkdtemp(prefix="stage-memory-"))
    work = str(folder / "work")
    spec = load_spec(str(wide_spec(rows, folder)), {"orchestration.shard_rows": shard_rows})
    real = load_real_rows(spec)
    names = row_schema(spec.record_schema).names
    for part, (start, stop) in enumerate(shard_ranges(rows, shard_rows)):
        made, _ = generate_from_templates(spec.generator, real.to_dict("records"), start, stop, spec.record_schema)
        frame = pd.DataFrame(made, columns=names).assign(build_run_id="bench")
        stage_result.write_stage(
            work,
            "generate",
            {"synthetic": frame},
            empty_quarantine(),
            stop - start,
            part=part,
            record=spec.record_schema,
        )
    real.to_parquet(folder / "real.parquet")
    baseline = meter.rss()
    figures: dict = {"rows": rows, "rss_before_mb": baseline, "stages": {}}

    def stage(name: str, run):
        meter.peak.clear()
        meter.after.clear()
        meter.seconds.clear()
        before, meter.step, start = meter.rss(), name, time.perf_counter()
        result = run()
        wall = round(time.perf_counter() - start, 1)
        meter.after[name], meter.step = meter.rss(), "idle"
        steps = {s: {"peak_mb": meter.peak.get(s), "after_mb": meter.after.get(s)} for s in meter.after}
        peak = max(v for k, v in meter.peak.items() if k != "idle")
        figures["stages"][name] = {"before_mb": before, "peak_mb": peak, "seconds": wall, "steps": steps}
        figures["stages"][name]["quarantined"] = result.quarantined
        release_free_memory()
        return result

    gated = stage("gates", lambda: stages.verify_gates.fn(spec, str(Path(work) / "generate/parts/synthetic"), work))
    parts = [
        stage_result.write_stage(
            work,
            "verify",
            {"synthetic": path},
            empty_quarantine(),
            0,
            part=n,
            facts={"checks": {}},
            record=spec.record_schema,
        )
        for n, path in enumerate(shard_files(gated.table("synthetic")))
    ]
    verified = stage("verify", lambda: stages.verify_stage.fn(spec, gated, work, str(folder / "cache"), parts))
    real_path = str(folder / "real.parquet")
    plan = stage_shards.plan_blend_stage.fn(spec, verified.table("synthetic"), real_path)

    def blend() -> stage_result.StageResult:
        blended = [stage_shards.blend_shard.fn(spec, work, plan.counts, shard) for shard in plan.shards]
        return stages.blend_stage.fn(spec, real_path, work, plan, blended)

    stage("blend", blend)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
