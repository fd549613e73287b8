"""The nightly build: generate, verify, dedup, decontaminate, blend, (approve,) publish."""

from __future__ import annotations

import os
import shutil
from functools import partial
from typing import Any

from prefect import flow, get_run_logger, unmapped
from prefect.runtime import flow_run
from prefect.settings import get_current_settings
from prefect.task_runners import ThreadPoolTaskRunner

from flows.approval import request_approval
from flows.artifacts import publish_artifacts
from flows.dask_runner import FreshKeyDaskTaskRunner
from flows.events import REJECTED, announce_version, emit_build_event, emit_failure
from flows.progress import run_mapped, run_sharded, run_stage, run_steps
from flows.stop_report import note_build_run
from flows.stopping import STOPS
from schemas.spec import Spec, SpecError, load_spec
from tasks.dedup_stages import (
    dedup_decision,
    dedup_pair_plan,
    dedup_pairs,
    dedup_plan,
    dedup_quarantine_part,
    dedup_rows_block,
    dedup_siblings,
    dedup_stage,
)
from tasks.shards import shard_files
from tasks.spec_checks import check_spec_inputs, dask_address
from tasks.stage_result import StageResult, Stages, llm_totals
from tasks.stage_shards import (
    blend_shard,
    decontaminate_shard,
    decontaminate_shards,
    embed_shard,
    embed_shards,
    generate_shard,
    generate_shards,
    plan_blend_stage,
    verify_shard,
)
from tasks.stages import (
    blend_stage,
    decontaminate_stage,
    generate_stage,
    index_eval_sets,
    publish_stage,
    verify_gates,
    verify_stage,
)
from tasks.versions.leftovers import claim_work_dir, removed_when_stopped, sweep_leftovers
from tasks.versions.lock import BuildLocked, build_lock
from tasks.versions.store import VersionStore, data_root_problem

CORES = os.cpu_count() or 1


@flow(name="build-dataset", on_failure=[emit_failure])
def build_dataset(spec_path: str, data_root: str | None = None, overrides: dict[str, Any] | None = None) -> dict:
    """Build and publish one version of the dataset that the spec at spec_path declares.
    overrides set dotted spec fields for this run, e.g. {"generator.rows": 50}."""
    spec = load_spec(spec_path, overrides)
    note_build_run(spec.dataset, spec_path)  # a stopped build marks its runs Crashed (flows/stop_report.py)
    check_spec_inputs(spec)
    root = data_root or spec.publish.default_root()
    if problem := data_root_problem(root, spec.dataset):
        raise SpecError(f"data root {root}: {problem}")
    run_id = str(flow_run.get_id() or "local")
    wait = spec.publish.overlap_wait_minutes * 60 if spec.publish.on_overlap == "wait" else 0
    store = VersionStore(root, spec.dataset)
    try:
        with build_lock(store, run_id, wait):
            if swept := sweep_leftovers(store, run_id):
                get_run_logger().warning("removed what crashed builds left: %s", ", ".join(swept))
            claim_work_dir(store, run_id)
            with removed_when_stopped(store, run_id, STOPS):
                return run_build(spec, root, run_id)
    except BuildLocked as error:
        if spec.publish.on_overlap == "wait":
            raise
        get_run_logger().warning("skipped: %s", error)
        return {"skipped": str(error)}


@flow(name="build-stages")
def build_stages(spec: Spec, root: str, run_id: str) -> Stages:
    """generate, verify, dedup, decontaminate and blend, shard by shard where a stage allows it, on this
    subflow's task runner (Dask when the spec says)."""
    store = VersionStore(root, spec.dataset)
    work, cache, vectors = store.work_dir(run_id), store.request_cache_path(), store.embedding_cache_path()
    stages: Stages = {}
    ranges = generate_shards(spec)
    stages["generate"] = run_sharded(
        "generate", generate_shard, ranges, (spec, work, run_id, cache), generate_stage, spec, work
    )
    real = stages["generate"].table("real")
    gated = run_stage("gates", verify_gates, spec, stages["generate"].table("synthetic"), work)
    gated_shards = shard_files(gated.table("synthetic"))
    stages["verify"] = run_sharded(
        "verify", verify_shard, gated_shards, (spec, work), verify_stage, spec, gated, work, cache
    )
    synthetic = stages["verify"].table("synthetic")
    embedded = run_mapped("embed", embed_shard, embed_shards(synthetic, real), spec, work, vectors)
    inputs = (spec, synthetic, real, embedded, work, vectors, root, store.versions())
    stages["dedup"] = run_steps("dedup", partial(dedup_steps, inputs))
    unique = decontaminate_shards(stages["dedup"].table("synthetic"), real)
    evals = index_eval_sets.submit(spec, work, vectors).result()
    stages["decontaminate"] = run_sharded(
        "decontaminate", decontaminate_shard, unique, (spec, work, evals, vectors, cache),
        decontaminate_stage, spec, work, evals,
    )  # fmt: skip
    clean = stages["decontaminate"]
    plan = plan_blend_stage.submit(spec, clean.table("synthetic"), clean.table("real")).result()
    stages["blend"] = run_sharded(
        "blend", blend_shard, plan.shards, (spec, work, plan.counts), blend_stage, spec, clean.table("real"), work, plan
    )
    return stages


def dedup_steps(inputs: tuple) -> StageResult:
    """Dedup's steps (tasks/dedup_stages.py): its plan, the rows' nearest rows mapped over blocks of rows beside the
    siblings' level, the pairs to score, their scores mapped over blocks of pairs, the decision, then its quarantine
    redacted part by part. inputs: dedup_plan's arguments (spec, synthetic, real, embedded, work, vectors, ...)."""
    spec, work, vectors = inputs[0], inputs[4], inputs[5]
    plan = dedup_plan.submit(*inputs).result()
    siblings = dedup_siblings.submit(plan, vectors, spec.embeddings.backend)  # first: the longest single step
    searched = dedup_rows_block.map(unmapped(plan), plan["blocks"]).result()
    pairs = dedup_pair_plan.submit(plan, searched, spec.orchestration.shard_rows, siblings.result()).result()
    scored = dedup_pairs.map(unmapped(pairs), pairs["blocks"]).result()
    decision = dedup_decision.submit(*inputs, pairs, scored).result()
    held = decision["quarantine"]
    parts = dedup_quarantine_part.map(unmapped(spec), unmapped(work), range(len(held)), held).result()
    return dedup_stage.submit(spec, work, decision, parts).result()


def run_build(spec: Spec, root: str, run_id: str) -> dict:
    store = VersionStore(root, spec.dataset)
    runner = dask_runner() if spec.orchestration.task_runner == "dask" else thread_runner()
    stages = build_stages.with_options(task_runner=runner)(spec, root, run_id)
    work, vectors = store.work_dir(run_id), store.embedding_cache_path()

    approval = None
    if spec.publish.approval == "required":
        approval = request_approval(stages, spec.publish.approval_timeout_hours, spec.blend.seed, spec.record_schema)
        if not approval["approved"]:
            get_run_logger().warning("not published: %s rejected it (%s)", approval["approver"], approval["comment"])
            emit_build_event(REJECTED, spec.dataset, approver=approval["approver"], comment=approval["comment"])
            return {"published": False, "approval": approval, "stages": stage_dicts(stages)}
    published = run_stage("publish", publish_stage, spec, stages, root, run_id, vectors, approval)

    result = {**published, "stages": stage_dicts(stages), "published": True, "llm_requests": llm_totals(stages)}
    publish_artifacts(result)
    shutil.rmtree(work, ignore_errors=True)
    announce_version(spec.dataset, published)
    if published.get("evaluation") and not published["evaluation"]["promoted"]:
        get_run_logger().warning(published["evaluation"]["message"])
    return result


def stage_dicts(stages: Stages) -> dict[str, dict]:
    return {name: result.as_dict() for name, result in stages.items()}


def thread_runner() -> ThreadPoolTaskRunner:
    """Threads for the stages' shard tasks: Prefect's own setting when it is set, else 4 a core (the code sandbox's
    slots). Prefect's default is a thread for every task submitted, so every shard of a stage ran at once and the
    stage held all of them: generate held every candidate (4.1 GB at 1M rows)."""
    return ThreadPoolTaskRunner(max_workers=get_current_settings().tasks.runner.thread_pool_max_workers or 4 * CORES)


def dask_runner() -> FreshKeyDaskTaskRunner:
    """The Dask cluster at SYNTHFACTORY_DASK_ADDRESS (from the environment, never the spec)."""
    return FreshKeyDaskTaskRunner(address=dask_address())
