"""The Prefect tasks a stage maps over its shards: each reads one shard, calls the stage's pure core, and writes
its part under the stage's parts/ folder; the stage's task in tasks/stages.py merges the parts. Each shard's
result is cached under its content (tasks/stage_cache.py), so a retried run redoes only the shards that failed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from prefect import task

from schemas import records as col
from schemas.record_derived import quarantine_schema, row_schema
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator, Spec
from tasks.blend.shards import BlendCounts, BlendPlan, plan_blend, split_shard
from tasks.decontaminate.contamination import REASON as CONTAMINATION
from tasks.decontaminate.contamination import check_contamination, decision_threshold
from tasks.decontaminate.eval_index import load_eval_index
from tasks.embeddings.cache import EmbeddingCache
from tasks.embeddings.row_vectors import embed_ranges, read_range, save_vectors
from tasks.generate.anthropic import generate_with_anthropic
from tasks.generate.openai_compatible import generate_with_openai
from tasks.generate.progress import GenerationProgress
from tasks.generate.templates import generate_from_templates
from tasks.llm.request_cache import RequestCache
from tasks.privacy.guard import gate_clearance, real_rows_report, refuse_real_rows
from tasks.quarantine import to_quarantine
from tasks.shards import shard_files, shard_ranges, table_rows
from tasks.spec_inputs import load_real_rows
from tasks.stage_policy import RESUMABLE, RETRIES
from tasks.stage_result import StageResult, llm_counts, stage_folder, write_stage
from tasks.tables import read_parquet
from tasks.text_features import comparable_text
from tasks.verify.check_runner import run_row_checks
from tasks.verify.row_checks import build_row_checks


def generate_shards(spec: Spec) -> list[tuple[int, int, int]]:
    """(part, first row, end row) per generate shard. An LLM backend with a budget, or sending batches, is one
    shard: its budget preview and its batches span the whole run. Online, a shard's requests are its rows' own
    (exemplar windows go by row index), and the request cache answers whatever a killed shard received."""
    generator = spec.generator
    if isinstance(generator, AnthropicGenerator) and (generator.budget or generator.mode == "batch"):
        return [(0, 0, generator.rows)]
    ranges = shard_ranges(spec.generator.rows, spec.orchestration.shard_rows)
    return [(part, start, stop) for part, (start, stop) in enumerate(ranges)]


def part_of(shard_path: str) -> int:
    return int(Path(shard_path).stem)


@task(name="generate-shard", **RETRIES, **RESUMABLE)
def generate_shard(spec: Spec, work_dir: str, run_id: str, cache_path: str, shard: tuple[int, int, int]) -> StageResult:
    """Candidates for one range of sample indexes. Output columns: row schema (parts/synthetic/<part>.parquet)."""
    part, start, stop = shard
    real = load_real_rows(spec)
    if spec.gates.pii_in_real == "refuse":  # before any request is paid for
        refuse_real_rows(
            real_rows_report(real, spec.gates.privacy.detectors, spec.gates.privacy.phone_regions, spec.record_schema)
        )
    seed_rows = real.to_dict("records")
    llm: dict[str, Any] = {}
    generator = spec.generator
    if isinstance(generator, (AnthropicGenerator, OpenAICompatibleGenerator)):
        generate = generate_with_anthropic if isinstance(generator, AnthropicGenerator) else generate_with_openai
        progress = GenerationProgress(stop - start)
        rows, rejects, llm = generate(
            generator,  # type: ignore[arg-type]  # the backend was chosen by the generator's type just above
            seed_rows,
            RequestCache.at(cache_path),
            progress.advance,
            record=spec.record_schema,
            start=start,
            stop=stop,
        )
    else:
        rows, rejects = generate_from_templates(generator, seed_rows, start, stop, spec.record_schema)
    names = row_schema(spec.record_schema).names
    synthetic = pd.DataFrame(rows, columns=names).assign(**{col.BUILD_RUN_ID: run_id})
    rejected = pd.DataFrame(rejects, columns=quarantine_schema(spec.record_schema).names).assign(
        **{col.BUILD_RUN_ID: run_id}
    )
    return write_stage(
        work_dir,
        "generate",
        {"synthetic": synthetic},
        rejected,
        stop - start,
        spec.publish.quarantine_raw_text,
        part=part,
        facts={"llm": llm},
        llm_requests={"sent": llm.get("sent", 0) + llm.get("batches", 0), "from_cache": llm.get("from_cache", 0)},
        record=spec.record_schema,
    )


@task(name="verify-shard", **RETRIES, **RESUMABLE)
def verify_shard(spec: Spec, work_dir: str, shard_path: str) -> StageResult:
    """Validators, the privacy gate, memorisation and code in the sandbox, on one shard of gated rows.
    Input/output columns: row schema."""
    frame = read_parquet(shard_path)
    checked, failed, counts = run_row_checks(frame, build_row_checks(spec, load_real_rows(spec)))
    return write_stage(
        work_dir,
        "verify",
        {"synthetic": checked},
        failed,
        len(frame),
        spec.publish.quarantine_raw_text,
        part=part_of(shard_path),
        facts={"checks": counts},
        record=spec.record_schema,
    )


def decontaminate_shards(synthetic: str, real: str) -> list[tuple[str, int, str]]:
    """(output name, part, path) for every shard of the synthetic table, then of the real one; parts are numbered
    across both, since the shards' quarantines share one folder."""
    paths = [("synthetic", path) for path in shard_files(synthetic)] + [("real", path) for path in shard_files(real)]
    return [(name, part, path) for part, (name, path) in enumerate(paths)]


@task(name="decontaminate-shard", **RESUMABLE)
def decontaminate_shard(
    spec: Spec, work_dir: str, eval_index: str, embedding_cache: str, request_cache: str, shard: tuple[str, int, str]
) -> StageResult:
    """One shard against every registered eval set. Input/output columns: row schema; quarantine sets
    nearest_eval_id and score; facts hold the judge's counts and the rows it cleared. The quarantine is redacted in
    full for real rows, of what the privacy gate did not clear for synthetic ones (they passed it)."""
    name, part, path = shard
    frame = read_parquet(path)
    embed = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend)
    evals = load_eval_index(Path(eval_index))
    cache = RequestCache.at(request_cache) if spec.decontamination.llm_judge else None
    threshold = decision_threshold(evals, spec.decontamination)
    verdicts, judged = check_contamination(
        comparable_text(frame, spec.record_schema), evals, spec.decontamination, embed, cache
    )
    cleared = frame[col.ID][((verdicts["score"] >= threshold) & ~verdicts["contaminated"]).to_numpy()].tolist()
    hit = verdicts["contaminated"].to_numpy(dtype=bool)
    flagged = verdicts[hit].set_axis(frame.index[hit])
    quarantined = to_quarantine(
        frame[hit],
        "decontaminate",
        CONTAMINATION,
        score=flagged["score"],
        nearest_eval_id=flagged["nearest_eval_id"],
        detail="ngram_overlap="
        + flagged["ngram_overlap"].round(3).astype(str)
        + " cosine="
        + flagged["cosine"].round(3).astype(str)
        + f" threshold={threshold:.3f}"
        + (" judge=" + flagged["judge"].fillna("not asked").astype(str) if "judge" in flagged else ""),
    )
    return write_stage(
        work_dir,
        "decontaminate",
        {name: frame[~hit].reset_index(drop=True)},
        quarantined,
        len(frame),
        spec.publish.quarantine_raw_text,
        part=part,
        facts={"judge": judged, "judge_cleared": cleared},
        llm_requests=llm_counts(cache) if cache is not None else None,
        cleared=gate_clearance(spec.gates.privacy, spec.record_schema) if name == "synthetic" else None,
        record=spec.record_schema,
    )


@task(name="blend-plan", **RESUMABLE)
def plan_blend_stage(spec: Spec, synthetic_path: str, real_path: str) -> BlendPlan:
    """The cap and the order of the blended rows, decided on the synthetic rows' ids and strata alone."""
    return plan_blend(table_rows(real_path), synthetic_path, spec.blend, spec.record_schema.label)


@task(name="blend-shard", **RESUMABLE)
def blend_shard(spec: Spec, work_dir: str, counts: BlendCounts, shard: tuple[int, str, np.ndarray]) -> StageResult:
    """One shard of decontaminated synthetic rows split into the rows the plan keeps and the rows over the cap.
    Input/output columns: row schema. The rows over the cap passed the privacy gate, as the kept ones did: their
    quarantine is redacted of what the gate did not clear (tasks/privacy/guard.py gate_clearance; redacting it in
    full was most of blend's time)."""
    part, path, kept = shard
    frame = read_parquet(path)
    rows, over = split_shard(frame, kept, counts, spec.blend)
    return write_stage(
        work_dir, "blend", {"blended": rows}, over, len(frame), spec.publish.quarantine_raw_text, part=part,
        record=spec.record_schema, cleared=gate_clearance(spec.gates.privacy, spec.record_schema),
    )  # fmt: skip


def embed_shards(synthetic: str, real: str) -> list[tuple[int, list[str], int, int]]:
    """(part, files, first row, rows) for every embed shard of the verified synthetic table, then of the real one
    (tasks/embeddings/row_vectors.py): dedup reads their arrays in this order."""
    ranges = embed_ranges(synthetic) + embed_ranges(real)
    return [(part, files, skip, rows) for part, (files, skip, rows) in enumerate(ranges)]


@task(name="embed-shard", **RETRIES, **RESUMABLE)
def embed_shard(
    spec: Spec, work_dir: str, embedding_cache: str, shard: tuple[int, list[str], int, int]
) -> dict[str, Any]:
    """One embed shard's comparable texts embedded in one call, stored in the embedding cache (decontaminate and
    publish read them there) and as `<work>/embed/<part>.npy`, which dedup reads. Output: {path, rows}."""
    part, files, skip, rows = shard
    texts = comparable_text(read_range(files, skip, rows), spec.record_schema)
    vectors = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend).embed_call(texts)
    return {"path": save_vectors(vectors, stage_folder(work_dir, "embed") / f"{part:05d}.npy"), "rows": len(texts)}
