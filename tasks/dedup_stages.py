"""Dedup's Prefect tasks, the steps of tasks/dedup/plan.py: a plan (exact duplicates, the index of the other rows),
the rows' nearest rows searched block by block beside the siblings' level (its twins embedded and scored), the pairs
to score, their scores block by block (the two mapped steps are most of dedup's CPU time, so the flow's workers
share them), then the decision with the scores: in-build and against the real rows, against the published rows,
the cluster cap."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task

from schemas.record_derived import quarantine_schema, row_schema
from schemas.spec import Spec
from tasks.dedup.block_memory import forget_profiles
from tasks.dedup.cluster_cap import best_first, cap_per_cluster
from tasks.dedup.duplicates import dedup_rows, dedup_threshold, rebuilt_first, resolve_duplicates, vectors_of
from tasks.dedup.plan import (
    PAIR_FILES,
    PLAN_FILES,
    DuplicatePlan,
    find_exact_duplicates,
    plan_digest,
    plan_pairs,
    score_block,
    search_rows,
    start_plan,
)
from tasks.dedup.published_index import PublishedIndex
from tasks.dedup.sibling_threshold import SAMPLE_FILES, sampled_level, save_sample
from tasks.embeddings.cache import EmbeddingCache
from tasks.embeddings.encoder import release_encoders
from tasks.embeddings.row_vectors import VectorsByText
from tasks.privacy.guard import gate_clearance
from tasks.shards import even_size, shard_files, write_shards
from tasks.similarity.pair_scorer import load_scorer
from tasks.similarity.row_pairs import NEIGHBOURS
from tasks.stage_policy import RESUMABLE, RETRIES
from tasks.stage_result import StageResult, merged_quarantine, stage_folder, write_stage
from tasks.tables import read_parquet
from tasks.text_features import comparable_text
from tasks.versions.read import left_out_at_blend, version_rows
from tasks.versions.shared_indexes import synced_published_index
from tasks.versions.store import VersionStore


@dataclass
class DedupInputs:
    frame: pd.DataFrame  # the synthetic rows in the order dedup keeps the first of duplicates
    real: pd.DataFrame
    rows: VectorsByText  # every compared text's vector: the real rows' texts first
    published: PublishedIndex | None
    judged: set[str]
    text_of: partial


def dedup_inputs(
    spec: Spec,
    synthetic_path: str,
    real_path: str,
    embedded: list[dict],
    embedding_cache: str,
    data_root: str,
    published_versions: list[str],
) -> DedupInputs:
    """The rows in dedup's order (the best first, after the rows built before) with the embed shards' vectors."""
    frame, real = read_parquet(synthetic_path), read_parquet(real_path)
    text_of = partial(comparable_text, record=spec.record_schema)
    published, judged = None, set()
    if spec.dedup.against_published and published_versions:
        embed = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend)
        store = VersionStore(data_root, spec.dataset)
        readers = {v: partial(version_rows, store.url(v)) for v in published_versions}
        published = synced_published_index(store.published_index_path(embed.model_id), readers, text_of, embed)
        judged = left_out_at_blend(store.url(published_versions[-1]))
    ranked = best_first(frame)  # the first of duplicates is kept: make it the best, after the rows built before
    order = (ranked if published is None else rebuilt_first(ranked, published, judged)).index.to_numpy()
    frame = frame.iloc[order].reset_index(drop=True)  # numbered afresh here, so dedup_rows holds no copy
    in_order = np.concatenate([len(order) + np.arange(len(real)), order])  # the references first, as compared
    rows = VectorsByText.from_shards(text_of(real) + text_of(frame), embedded, in_order)
    return DedupInputs(frame, real, rows, published, judged, text_of)


@task(name="dedup-plan", **RESUMABLE)
def dedup_plan(
    spec: Spec,
    synthetic_path: str,
    real_path: str,
    embedded: list[dict],
    work_dir: str,
    embedding_cache: str,
    data_root: str,
    published_versions: list[str],
) -> dict:
    """Exact duplicates and the index the other rows' k-NN graph is searched in, under <work>/dedup-plan
    (tasks/dedup/plan.py's start_plan), and, for the build's own threshold, the rows whose one-number twins
    dedup_siblings scores (tasks/dedup/sibling_threshold.py save_sample). Output: {folder, digest, blocks}
    (blocks: ranges of rows to search)."""
    release_encoders()  # the plan embeds nothing: the int8 session hands back its arena and heap (about 0.2 GB)
    found = dedup_inputs(spec, synthetic_path, real_path, embedded, embedding_cache, data_root, published_versions)
    texts = found.text_of(found.real) + found.text_of(found.frame)
    settings, folder = spec.dedup, stage_folder(work_dir, "dedup-plan")
    exact = find_exact_duplicates(texts, len(found.real))
    skipped = {d.position for d in exact}
    vectors = vectors_of(texts, found.rows, [i for i in range(len(texts)) if i not in skipped])
    threshold = dedup_threshold(settings.near_duplicate_threshold)
    blocks = start_plan(folder, texts, vectors, len(found.real), threshold, settings.minhash_threshold, exact)
    save_sample(folder, texts if settings.near_duplicate_threshold is None else [], found.rows)
    return {"folder": str(folder), "digest": plan_digest(folder, PLAN_FILES + SAMPLE_FILES), "blocks": blocks}


@task(name="dedup-siblings", **RETRIES, **RESUMABLE)
def dedup_siblings(plan: dict, embedding_cache: str, backend: str) -> float | None:
    """The siblings' level of the plan's rows: their one-number twins embedded and scored against them
    (sampled_level); None keeps the operating point. Runs beside the rows' search: dedup_pair_plan reads it."""
    level = sampled_level(Path(plan["folder"]), EmbeddingCache.at(embedding_cache, backend=backend), load_scorer())
    release_encoders()  # the twins' embedding loaded it: the search blocks beside it need the memory
    return level


@task(name="dedup-rows", **RETRIES, **RESUMABLE)
def dedup_rows_block(plan: dict, block: tuple[int, int]) -> str:
    """One block of rows' nearest rows, MinHash band keys and text profiles (search_rows). Output: their folder."""
    return search_rows(Path(plan["folder"]), (block[0], block[1]), load_scorer())


@task(name="dedup-pair-plan", **RESUMABLE)
def dedup_pair_plan(plan: dict, searched: list[str], shard_rows: int, siblings: float | None) -> dict:
    """The pairs to score (plan_pairs, at the build's own threshold when `siblings` is a level), in blocks of
    `shard_rows` rows' worth of nearest pairs. Output: {folder, digest, blocks} (blocks: ranges of the pairs)."""
    folder = Path(plan["folder"])
    blocks = plan_pairs(folder, searched, load_scorer(), shard_rows * NEIGHBOURS, siblings)
    return {
        "folder": str(folder),
        "digest": plan["digest"] + plan_digest(folder, PAIR_FILES),  # the texts' profiles are the plan's
        "blocks": blocks,
    }


@task(name="dedup-pairs", **RETRIES, **RESUMABLE)
def dedup_pairs(plan: dict, block: tuple[int, int]) -> str:
    """The pair scores of one block of the pairs (their embedding features, and for those that may reach the
    threshold their texts' numbers compared), saved as <plan>/scores/<start>.npy. Output: that file."""
    folder = Path(plan["folder"])
    scores = score_block(folder, (block[0], block[1]), load_scorer())
    path = folder / "scores" / f"{block[0]:012d}.npy"
    path.parent.mkdir(exist_ok=True)
    np.save(path, scores)
    return str(path)


@task(name="dedup-decision", **RESUMABLE)
def dedup_decision(
    spec: Spec,
    synthetic_path: str,
    real_path: str,
    embedded: list[dict],
    work_dir: str,
    embedding_cache: str,
    data_root: str,
    published_versions: list[str],
    plan: dict,
    scored: list[str],
) -> dict:
    """Exact and near duplicates, among synthetic rows, against the real ones and against every row of the
    `published_versions` (part of the cache key: a new version means a new check), decided with the plan's pair
    scores (`scored`, in block order) and the vectors the embed shards made (`embedded`: the synthetic shards'
    arrays, then the real rows'). The kept rows are written as the stage's shards; the quarantined ones as they
    are, in an even number of parts of at most `shard_rows` (tasks/shards.py even_ranges) under
    <work>/dedup-decision for dedup_quarantine_part to redact on any worker.
    Output: {synthetic, quarantine (the parts' files), rows_in}."""
    release_encoders()
    forget_profiles()  # what this process's blocks kept
    found = dedup_inputs(spec, synthetic_path, real_path, embedded, embedding_cache, data_root, published_versions)
    scores = np.concatenate([np.load(path) for path in scored]) if scored else np.zeros(0)
    planned = DuplicatePlan.load(Path(plan["folder"]))
    duplicates = resolve_duplicates(planned, scores)
    settings = spec.dedup
    kept, quarantined = dedup_rows(
        found.frame, planned.threshold, found.rows, found.real, settings.minhash_threshold,
        found.published, found.text_of, found.judged, duplicates, planned.point,
    )  # fmt: skip
    if settings.max_rows_per_cluster:
        kept, capped = cap_per_cluster(
            kept, found.rows(found.text_of(kept)), settings.max_rows_per_cluster, settings.clusters
        )
        quarantined = pd.concat([quarantined, capped], ignore_index=True)
    embed = EmbeddingCache.at(embedding_cache, backend=spec.embeddings.backend)
    embed.store(*found.rows.repeated_vectors())  # a text of several shards: decontaminate and publish read dedup's
    record, shard_rows = spec.record_schema, spec.orchestration.shard_rows
    rows, held = row_schema(record), quarantine_schema(record)
    synthetic = write_shards(
        kept.reindex(columns=rows.names), stage_folder(work_dir, "dedup") / "synthetic", shard_rows, rows
    )
    unredacted = write_shards(
        quarantined.reindex(columns=held.names),
        stage_folder(work_dir, "dedup-decision") / "quarantine",
        even_size(len(quarantined), shard_rows),
        held,
    )
    return {"synthetic": synthetic, "quarantine": shard_files(unredacted), "rows_in": len(found.frame)}


@task(name="dedup-quarantine", **RETRIES, **RESUMABLE)
def dedup_quarantine_part(spec: Spec, work_dir: str, part: int, path: str) -> StageResult:
    """One part of the decision's quarantined rows, redacted and written as part `part` of dedup's quarantine. They
    are synthetic rows that passed the privacy gate: redacted of what it did not clear (redacting them in full was
    most of what the decision wrote: 3.4 of its 5 s at 100k rows)."""
    return write_stage(
        work_dir, "dedup", {}, read_parquet(path), 0, spec.publish.quarantine_raw_text, part=part,
        record=spec.record_schema, cleared=gate_clearance(spec.gates.privacy, spec.record_schema),
    )  # fmt: skip


@task(name="dedup", **RESUMABLE)
def dedup_stage(spec: Spec, work_dir: str, decision: dict, parts: list[StageResult]) -> StageResult:
    """The decision's kept rows and its quarantine's redacted parts, in order. Columns: row schema; duplicate_of."""
    keep_raw = spec.publish.quarantine_raw_text
    return write_stage(
        work_dir,
        "dedup",
        {"synthetic": decision["synthetic"]},
        merged_quarantine(work_dir, "dedup", spec.record_schema, keep_raw, parts),
        decision["rows_in"],
        keep_raw,
        record=spec.record_schema,
    )
