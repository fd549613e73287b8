"""The Prefect tasks of a build, one per stage: each reads Parquet shards, calls its stage's pure core (or merges
the parts its shard tasks in tasks/stage_shards.py wrote), writes its output and quarantine under the run's work
folder, and returns a small summary."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import records as col
from schemas.record_derived import row_schema
from schemas.spec import Spec, SpecError
from tasks.allocator import limit_arenas
from tasks.blend.shards import BlendPlan, blended_rows
from tasks.decontaminate.contamination import decision_threshold, threshold_source
from tasks.decontaminate.eval_index import eval_index_beside, load_eval_index, save_eval_index
from tasks.embeddings.cache import EmbeddingCache
from tasks.evaluate.gate import evaluate_version
from tasks.llm.request_cache import RequestCache
from tasks.privacy.guard import real_rows_report, refuse_real_rows
from tasks.publish.assemble import publish_dataset
from tasks.publish.isolation import eval_hits
from tasks.publish.manifest import AccountingError, build_manifest
from tasks.publish.quarantine_files import quarantine_columns
from tasks.shards import table_rows
from tasks.spec_inputs import load_eval_items, load_real_rows
from tasks.stage_policy import RESUMABLE, RETRIES
from tasks.stage_result import (
    StageResult,
    Stages,
    llm_counts,
    merge_llm_summaries,
    merged_quarantine,
    parts_table,
    quarantine_files,
    quarantine_writer,
    stage_folder,
    sum_counts,
    write_stage,
    written_quarantine,
)
from tasks.stage_writer import ShardWriter
from tasks.tables import read_parquet
from tasks.text_features import comparable_text
from tasks.verify.expectations import apply_gates, check_reject_rate
from tasks.verify.gate_shards import gate_table
from tasks.verify.merge import merge_verdicts
from tasks.verify.spec_expectations import final_expectations, gate_expectations
from tasks.versions.store import VersionStore

limit_arenas()  # before the task runner starts the threads the stages run on (tasks/allocator.py)


@task(name="generate", **RESUMABLE)
def generate_stage(spec: Spec, work_dir: str, parts: list[StageResult]) -> StageResult:
    """The generate shards' candidates, plus the real seed rows.
    Output columns: row schema (synthetic: a folder of shards, real.parquet)."""
    real = load_real_rows(spec)
    real_privacy = real_rows_report(
        real, spec.gates.privacy.detectors, spec.gates.privacy.phone_regions, spec.record_schema
    )
    if spec.gates.pii_in_real == "refuse":
        refuse_real_rows(real_privacy)
    if not spec.blend.include_real:
        real = real.iloc[0:0]
    llm = merge_llm_summaries([p.facts["llm"] for p in parts if p.facts["llm"]])
    return write_stage(
        work_dir,
        "generate",
        {"synthetic": parts_table(parts, "synthetic"), "real": real},
        merged_quarantine(work_dir, "generate", spec.record_schema, spec.publish.quarantine_raw_text, parts),
        spec.generator.rows,
        spec.publish.quarantine_raw_text,
        facts={"llm": llm, "real_privacy": real_privacy},
        llm_requests=sum_counts([p.llm_requests or {} for p in parts]),
        record=spec.record_schema,
    )


@task(name="gates", **RESUMABLE)
def verify_gates(spec: Spec, synthetic_path: str, work_dir: str) -> StageResult:
    """The GX suite over every candidate, shard by shard (batch-level expectations on the whole batch's columns they
    name), with Data Docs. Input/output columns: row schema, the output in shards for verify's row checks."""
    folder, docs_dir = stage_folder(work_dir, "gates"), stage_folder(work_dir, "verify") / "data_docs"
    accepted = ShardWriter(folder / "synthetic", spec.orchestration.shard_rows, row_schema(spec.record_schema))
    quarantine = quarantine_writer(work_dir, "gates", spec.record_schema, spec.publish.quarantine_raw_text)
    batch_results = gate_table(synthetic_path, gate_expectations(spec), accepted, quarantine, docs_dir=docs_dir)
    return write_stage(
        work_dir,
        "gates",
        {"synthetic": accepted.close()},
        quarantine.close(),
        table_rows(synthetic_path),
        spec.publish.quarantine_raw_text,
        files={"data_docs": str(docs_dir)} if docs_dir.exists() else {},
        facts={"batch_gates": batch_results},
        record=spec.record_schema,
    )


@task(name="verify", **RETRIES, **RESUMABLE)
def verify_stage(
    spec: Spec, gated: StageResult, work_dir: str, cache_path: str, parts: list[StageResult]
) -> StageResult:
    """The gates' and the row-check shards' verdicts, then human verdicts and LLM judges on the rows they kept.
    Input columns: row schema. Output columns: row schema with judge_score; review.parquet holds the review queue."""
    folder = stage_folder(work_dir, "verify")
    cache = RequestCache.at(cache_path) if spec.gates.judging else None
    quarantined, synthetic, reviewed = merge_verdicts(
        spec, [written_quarantine(r) for r in (gated, *parts)], parts_table(parts, "synthetic"), folder, cache
    )
    check_reject_rate(quarantined.rows, gated.rows_in, spec.gates.max_reject_rate)
    final = apply_gates(read_parquet(synthetic), final_expectations(spec)) if spec.gates.final_expectations else None
    review_path = folder / "review.parquet"
    reviewed.queue.to_parquet(review_path, index=False)
    batch_gates = gated.facts["batch_gates"] + (final.batch_results if final else [])
    check_counts = {name: sum_counts([p.facts["checks"][name] for p in parts]) for name in parts[0].facts["checks"]}
    return write_stage(
        work_dir,
        "verify",
        {"synthetic": synthetic},
        quarantined,
        gated.rows_in,
        spec.publish.quarantine_raw_text,
        files={"review": str(review_path)} | gated.files,
        facts={"batch_gates": batch_gates, "row_checks": check_counts, "review": reviewed.stats},
        llm_requests=llm_counts(cache),
        record=spec.record_schema,
    )


@task(name="eval-index", **RESUMABLE)
def index_eval_sets(spec: Spec, work_dir: str, embedding_cache: str) -> str:
    """Every registered eval item indexed once, for decontaminate's shards and publish's re-check (so shards do not
    each embed it). Output: the index's folder."""
    items = load_eval_items(spec)
    embed = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend)
    evals = eval_index_beside(items.ids, items.texts, embed)
    folder = stage_folder(work_dir, "decontaminate") / "eval_index"
    save_eval_index(evals, folder)
    return str(folder)


@task(name="decontaminate", **RESUMABLE)
def decontaminate_stage(spec: Spec, work_dir: str, eval_index: str, parts: list[StageResult]) -> StageResult:
    """The decontaminate shards' verdicts on synthetic and real rows against every registered eval set (and, with
    decontamination.llm_judge, an LLM deciding the borderline rows).
    Input/output columns: row schema; quarantine sets nearest_eval_id and score."""
    items, evals, judged = load_eval_items(spec), load_eval_index(Path(eval_index)), [p.facts["judge"] for p in parts]
    facts = {
        "eval_sets": items.hashes,
        "eval_items": len(items.ids),
        "threshold": decision_threshold(evals, spec.decontamination),
        "threshold_source": threshold_source(evals, spec.decontamination),
        "llm_judge": sum_counts(judged, ("asked", "same", "different", "unavailable"))
        if spec.decontamination.llm_judge
        else None,
        "judge_cleared": [row_id for p in parts for row_id in p.facts["judge_cleared"]],
    }
    return write_stage(
        work_dir,
        "decontaminate",
        {name: parts_table([p for p in parts if name in p.tables], name) for name in ("synthetic", "real")},
        merged_quarantine(work_dir, "decontaminate", spec.record_schema, spec.publish.quarantine_raw_text, parts),
        sum(p.rows_in for p in parts),
        spec.publish.quarantine_raw_text,
        files={"eval_index": eval_index},
        facts=facts,
        llm_requests=sum_counts([p.llm_requests or {} for p in parts]) if spec.decontamination.llm_judge else None,
        record=spec.record_schema,
    )


@task(name="blend", **RESUMABLE)
def blend_stage(spec: Spec, real_path: str, work_dir: str, plan: BlendPlan, parts: list[StageResult]) -> StageResult:
    """Real rows and the blend shards' kept rows in the plan's order. Columns: row schema (blended.parquet)."""
    real, keep_raw = read_parquet(real_path), spec.publish.quarantine_raw_text
    kept = [read_parquet(part.table("blended")) for part in parts]
    return write_stage(
        work_dir,
        "blend",
        {"blended": blended_rows(real, kept, plan)},
        merged_quarantine(work_dir, "blend", spec.record_schema, keep_raw, parts),
        sum(p.rows_in for p in parts) + len(real),
        keep_raw,
        record=spec.record_schema,
    )


@task(name="publish", cache_policy=NO_CACHE)
def publish_stage(
    spec: Spec,
    stages: Stages,
    data_root: str,
    run_id: str,
    embedding_cache: str,
    approval: dict | None = None,
) -> dict:
    """The blended rows re-checked against every eval set, then published atomically with every stage's
    quarantine, the manifest, the card and the resolved spec."""
    data = read_parquet(stages["blend"].table("blended"))
    quarantine = quarantine_files(stages)  # read a batch at a time: at 1M candidates it is most of them
    raw = quarantine_files(stages, "quarantine_raw") if spec.publish.quarantine_raw_text else None
    texts = comparable_text(data, spec.record_schema)
    vectors = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend)(texts)
    hits = eval_hits(data, texts, vectors, stages["decontaminate"], spec.decontamination)
    if hits:
        raise AccountingError(f"{hits} rows about to be published match an eval item")
    books = quarantine_columns(quarantine, [col.ID, col.SOURCE])
    manifest = build_manifest(spec, stages, data, books, run_id)
    manifest["eval_isolation"] = {"published_rows_checked": len(data), "hits_in_output": hits}
    manifest["approval"] = approval
    verified = stages["verify"]
    review_queue = read_parquet(verified.files["review"])
    docs = Path(verified.files["data_docs"]) if "data_docs" in verified.files else None
    store = VersionStore(data_root, spec.dataset)
    evaluate = partial(evaluate_stage, spec, embedding_cache=embedding_cache) if spec.evaluation else None
    url, manifest = publish_dataset(
        spec, data, quarantine, manifest, vectors, store, review_queue, docs, evaluate=evaluate, raw_quarantine=raw
    )
    return {
        "version": manifest["version"],
        "path": url,
        "counts": manifest["counts"],
        "data_docs": manifest.get("data_docs"),
        "unchanged": bool(manifest.get("unchanged")),
        "evaluation": manifest.get("evaluation"),
    }


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate_stage(spec: Spec, version: Path, embedding_cache: str) -> dict:
    """The assembled version before LATEST moves: the proxy and the user's command against the real-only
    baseline on the held-out test set. Input: the version's folder. Output: the manifest's evaluation section."""
    if spec.evaluation is None:
        raise SpecError("evaluation: the spec declares none")
    # the proxy's features are the sentence embeddings of the texts as written (numbers written alike are for
    # comparing two texts, not for what a classifier reads)
    embed = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend, numbers_alike=False)
    return evaluate_version(spec.evaluation, Path(version), embed)
