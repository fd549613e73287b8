"""The Prefect tasks of a build: each reads Parquet shards, calls its stage's pure core, writes its
output and quarantine shards under the run's work folder, and returns a small summary."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas import records as col
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator, Spec, SpecError
from tasks.blend.mix import blend_rows
from tasks.decontaminate.contamination import REASON as CONTAMINATION
from tasks.decontaminate.contamination import check_contamination, decision_threshold, score_contamination
from tasks.decontaminate.eval_index import eval_index_beside, load_eval_index, save_eval_index
from tasks.dedup.cluster_cap import best_first, cap_per_cluster
from tasks.dedup.duplicates import dedup_rows
from tasks.dedup.published_index import PublishedIndex, sync_published
from tasks.embeddings.cache import EmbeddingCache
from tasks.evaluate.gate import evaluate_version
from tasks.generate.anthropic import generate_with_anthropic
from tasks.generate.openai_compatible import generate_with_openai
from tasks.generate.progress import GenerationProgress
from tasks.generate.templates import generate_from_templates
from tasks.llm.request_cache import RequestCache
from tasks.privacy.guard import real_rows_report, refuse_real_rows
from tasks.publish.assemble import publish_dataset
from tasks.publish.manifest import AccountingError, build_manifest
from tasks.quarantine import to_quarantine
from tasks.spec_inputs import final_expectations, gate_expectations, load_eval_items, load_real_rows
from tasks.stage_policy import RESUMABLE, RETRIES
from tasks.stage_result import StageResult, Stages, llm_counts, read_quarantines, stage_folder, write_stage
from tasks.tables import read_parquet
from tasks.text_features import comparable_text
from tasks.verify.check_runner import run_row_checks
from tasks.verify.expectations import apply_gates, check_reject_rate
from tasks.verify.review import review_rows
from tasks.verify.row_checks import build_row_checks
from tasks.versions.read import read_version
from tasks.versions.store import VersionStore


@task(name="generate", **RETRIES, **RESUMABLE)
def generate_stage(spec: Spec, work_dir: str, run_id: str, cache_path: str) -> StageResult:
    """Candidates from the spec's generator, plus the real seed rows.
    Output columns: row schema (synthetic.parquet, real.parquet)."""
    real = load_real_rows(spec)
    real_privacy = real_rows_report(real, spec.gates.privacy.detectors, spec.gates.privacy.phone_regions)
    if spec.gates.pii_in_real == "refuse":
        refuse_real_rows(real_privacy)
    seed_rows = real.to_dict("records")
    if not spec.blend.include_real:
        real = real.iloc[0:0]
    llm: dict[str, Any] = {}
    generator = spec.generator
    if isinstance(generator, AnthropicGenerator):
        progress = GenerationProgress(generator.rows)
        rows, rejects, llm = generate_with_anthropic(generator, seed_rows, RequestCache(cache_path), progress.advance)
    elif isinstance(generator, OpenAICompatibleGenerator):
        progress = GenerationProgress(generator.rows)
        rows, rejects, llm = generate_with_openai(generator, seed_rows, RequestCache(cache_path), progress.advance)
    else:
        rows, rejects = generate_from_templates(generator, seed_rows)
    synthetic = pd.DataFrame(rows, columns=col.ROW_SCHEMA.names).assign(**{col.BUILD_RUN_ID: run_id})
    rejected = pd.DataFrame(rejects, columns=col.QUARANTINE_SCHEMA.names).assign(**{col.BUILD_RUN_ID: run_id})
    return write_stage(
        work_dir,
        "generate",
        {"synthetic": synthetic, "real": real},
        rejected,
        spec.generator.rows,
        spec.publish.quarantine_raw_text,
        facts={"llm": llm, "real_privacy": real_privacy},
        llm_requests={"sent": llm.get("sent", 0) + llm.get("batches", 0), "from_cache": llm.get("from_cache", 0)},
    )


@task(name="verify", **RETRIES, **RESUMABLE)
def verify_stage(spec: Spec, synthetic_path: str, work_dir: str, cache_path: str) -> StageResult:
    """GX gates, then validators and the privacy gate, then human verdicts and LLM judges.
    Input columns: row schema. Output columns: row schema with judge_score; review.parquet holds the review queue."""
    frame = read_parquet(synthetic_path)
    docs_dir = stage_folder(work_dir, "verify") / "data_docs"
    gated = apply_gates(frame, gate_expectations(spec), docs_dir=docs_dir)
    checked, failed_checks, check_counts = run_row_checks(gated.accepted, build_row_checks(spec, load_real_rows(spec)))
    cache = RequestCache(cache_path) if spec.gates.judging else None
    reviewed = review_rows(checked, spec, cache=cache)
    quarantine = pd.concat([gated.quarantined, failed_checks, reviewed.quarantined], ignore_index=True)
    check_reject_rate(len(quarantine), len(frame), spec.gates.max_reject_rate)
    final = apply_gates(reviewed.accepted, final_expectations(spec)) if spec.gates.final_expectations else None
    review_path = stage_folder(work_dir, "verify") / "review.parquet"
    review_path.parent.mkdir(parents=True, exist_ok=True)
    reviewed.queue.to_parquet(review_path, index=False)
    files = {"review": str(review_path)} | ({"data_docs": str(docs_dir)} if docs_dir.exists() else {})
    batch_gates = gated.batch_results + (final.batch_results if final else [])
    return write_stage(
        work_dir,
        "verify",
        {"synthetic": reviewed.accepted},
        quarantine,
        len(frame),
        spec.publish.quarantine_raw_text,
        files=files,
        facts={"batch_gates": batch_gates, "row_checks": check_counts, "review": reviewed.stats},
        llm_requests=llm_counts(cache),
    )


@task(name="dedup", **RESUMABLE)
def dedup_stage(
    spec: Spec,
    synthetic_path: str,
    real_path: str,
    work_dir: str,
    embedding_cache: str,
    data_root: str,
    published_versions: list[str],
) -> StageResult:
    """Exact and near duplicates, among synthetic rows, against the real ones and against every row of the
    `published_versions` (part of the cache key: a new version means a new check).
    Input/output columns: row schema; quarantine sets duplicate_of."""
    frame = best_first(read_parquet(synthetic_path))  # the first of duplicates is kept: make it the best
    embed = EmbeddingCache(embedding_cache, backend=spec.embeddings.backend)
    settings = spec.dedup
    published = None
    if settings.against_published and published_versions:
        store = VersionStore(data_root, spec.dataset)
        readers = {v: partial(_version_data, store, v) for v in published_versions}
        published = sync_published(
            PublishedIndex(store.published_index_path(embed.model_id)), readers, comparable_text, embed
        )
    kept, quarantined = dedup_rows(
        frame, settings.near_duplicate_threshold, embed, read_parquet(real_path), settings.minhash_threshold, published
    )
    if settings.max_rows_per_cluster:
        kept, capped = cap_per_cluster(
            kept, embed(comparable_text(kept)), settings.max_rows_per_cluster, settings.clusters
        )
        quarantined = pd.concat([quarantined, capped], ignore_index=True)
    return write_stage(
        work_dir, "dedup", {"synthetic": kept}, quarantined, len(frame), spec.publish.quarantine_raw_text
    )


def _version_data(store: VersionStore, version: str) -> pd.DataFrame:
    return read_version(store.url(version)).data


@task(name="decontaminate", **RESUMABLE)
def decontaminate_stage(
    spec: Spec, synthetic_path: str, real_path: str, work_dir: str, embedding_cache: str, request_cache: str
) -> StageResult:
    """Synthetic and real rows against every registered eval set (and, with decontamination.llm_judge, an LLM
    deciding the borderline rows). Input/output columns: row schema; quarantine sets nearest_eval_id and score."""
    synthetic, real = read_parquet(synthetic_path), read_parquet(real_path)
    items = load_eval_items(spec)
    embed = EmbeddingCache(embedding_cache, backend=spec.embeddings.backend)
    evals = eval_index_beside(items.ids, items.texts, embed)
    cache = RequestCache(request_cache) if spec.decontamination.llm_judge else None
    threshold = decision_threshold(evals, spec.decontamination)
    outputs, quarantined, judged, cleared = {}, [], [], []
    for name, frame in (("synthetic", synthetic), ("real", real)):
        verdicts, judge_counts = check_contamination(comparable_text(frame), evals, spec.decontamination, embed, cache)
        judged.append(judge_counts)
        cleared += frame[col.ID][((verdicts["score"] >= threshold) & ~verdicts["contaminated"]).to_numpy()].tolist()
        hit = verdicts["contaminated"].to_numpy(dtype=bool)
        flagged = verdicts[hit].set_axis(frame.index[hit])
        outputs[name] = frame[~hit].reset_index(drop=True)
        quarantined.append(
            to_quarantine(
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
        )
    eval_index = stage_folder(work_dir, "decontaminate") / "eval_index"
    save_eval_index(evals, eval_index)
    judge = (
        {k: sum(c.get(k, 0) for c in judged) for k in ("asked", "same", "different", "unavailable")}
        if cache is not None
        else None
    )
    facts = {
        "eval_sets": items.hashes,
        "eval_items": len(items.ids),
        "threshold": threshold,
        "llm_judge": judge,
        "judge_cleared": cleared,
    }
    return write_stage(
        work_dir,
        "decontaminate",
        outputs,
        pd.concat(quarantined, ignore_index=True),
        len(synthetic) + len(real),
        spec.publish.quarantine_raw_text,
        files={"eval_index": str(eval_index)},
        facts=facts,
        llm_requests=llm_counts(cache) if cache is not None else None,
    )


@task(name="blend", **RESUMABLE)
def blend_stage(spec: Spec, synthetic_path: str, real_path: str, work_dir: str) -> StageResult:
    """Real and synthetic rows at the spec's maximum synthetic share.
    Input columns: row schema. Output columns: row schema (blended.parquet)."""
    synthetic, real = read_parquet(synthetic_path), read_parquet(real_path)
    blended, over = blend_rows(real, synthetic, spec.blend)
    return write_stage(
        work_dir, "blend", {"blended": blended}, over, len(synthetic) + len(real), spec.publish.quarantine_raw_text
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
    quarantine = read_quarantines(stages)
    raw = read_quarantines(stages, "quarantine_raw") if spec.publish.quarantine_raw_text else None
    texts = comparable_text(data)
    vectors = EmbeddingCache(embedding_cache, backend=spec.embeddings.backend)(texts)
    decontaminated = stages["decontaminate"]
    evals = load_eval_index(Path(decontaminated.files["eval_index"]))
    verdicts = score_contamination(texts, evals, spec.decontamination, embed=lambda _: vectors)
    hits = int(
        (verdicts["contaminated"] & ~data[col.ID].isin(decontaminated.facts["judge_cleared"]).to_numpy()).sum()
    )  # the judge's word stands
    if hits:
        raise AccountingError(f"{hits} rows about to be published match an eval item")
    manifest = build_manifest(spec, stages, data, quarantine, run_id)
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
    embed = EmbeddingCache(embedding_cache, backend=spec.embeddings.backend)
    return evaluate_version(spec.evaluation, Path(version), embed)
