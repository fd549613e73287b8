"""The nightly build: generate, verify, dedup, decontaminate, blend, publish."""

from __future__ import annotations

import shutil

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.progress import run_stage
from schemas.spec import load_spec
from tasks.spec_inputs import check_spec_inputs
from tasks.stages import blend_stage, decontaminate_stage, dedup_stage, generate_stage, publish_stage, verify_stage
from tasks.version_store import VersionStore


@flow(name="build-dataset")
def build_dataset(spec_path: str, data_root: str | None = None) -> dict:
    """Build and publish one version of the dataset that the spec at spec_path declares."""
    spec = load_spec(spec_path)
    check_spec_inputs(spec)
    root = data_root or spec.publish.data_root
    run_id = str(flow_run.get_id() or "local")
    work_dir = VersionStore(root, spec.dataset).work_dir(run_id)

    generated = run_stage("generate", generate_stage, spec, work_dir, run_id)
    verified = run_stage("verify", verify_stage, spec, generated["paths"]["synthetic"], work_dir)
    unique = run_stage("dedup", dedup_stage, spec, verified["paths"]["synthetic"], generated["paths"]["real"], work_dir)
    clean = run_stage("decontaminate", decontaminate_stage, spec, unique["paths"]["synthetic"], generated["paths"]["real"], work_dir)
    blended = run_stage("blend", blend_stage, spec, clean["paths"]["synthetic"], clean["paths"]["real"], work_dir)
    summaries = [generated, verified, unique, clean, blended]
    published = run_stage("publish", publish_stage, spec, summaries, root, work_dir, run_id)

    shutil.rmtree(work_dir, ignore_errors=True)
    get_run_logger().info("published %s with %s rows", published["path"], published["counts"]["published"]["total"])
    return {**published, "stages": summaries}
