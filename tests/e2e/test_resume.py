"""Retries that resume and cancellations that end a run, for real: a Prefect server and a worker in subprocesses,
a deployment from deployments/prefect.yaml, a run triggered through the API as the UI does, a stage that fails on
its first attempt, a retry of the flow run, and a published version equal to an uninterrupted build's."""

from pathlib import Path

import pandas as pd
import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
)
from prefect.states import AwaitingRetry, Cancelling

from schemas import records as col
from tasks.versions.store import VersionStore
from tests.helpers.prefect_server import prefect_server
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    fast_worker = {"PREFECT_WORKER_QUERY_SECONDS": "1"}
    with prefect_server(tmp_path_factory.mktemp("prefect-home"), deploy=True, worker=True, settings=fast_worker) as env:
        yield env


def wait_for_state(client, run_id, names: set[str], timeout: float = 300):
    def reached():
        run = client.read_flow_run(run_id)
        return run if run.state and run.state.type.value in names else None

    return wait_until(reached, timeout, f"flow run {run_id} to reach {names}", interval=0.5)


def published_rows(data_root: Path) -> pd.DataFrame:
    version = next(p for p in (data_root / "tiny").iterdir() if not p.name.startswith(".") and p.is_dir())
    return pd.read_parquet(version / "data").drop(columns=[col.BUILD_RUN_ID]).sort_values(col.ID).reset_index(drop=True)


def test_a_retried_flow_run_resumes_from_the_failed_stage(server, tmp_path):
    spec = str(write_spec(tmp_path))
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("build-dataset/spec-file")
        flaky = client.create_flow_run_from_deployment(
            deployment.id, parameters={"spec_path": spec, "data_root": str(tmp_path / "flaky")}
        )
        # Something occupies the blend stage's folder: that stage fails, the ones before it finish.
        blocker = tmp_path / "flaky" / "tiny" / ".work" / str(flaky.id) / "blend"
        blocker.parent.mkdir(parents=True)
        blocker.write_text("not a folder")
        assert wait_for_state(client, flaky.id, {"FAILED", "CRASHED", "COMPLETED"}).state.type.value == "FAILED"

        blocker.unlink()
        client.set_flow_run_state(flaky.id, AwaitingRetry(), force=True)  # what the UI's Retry button sends
        assert wait_for_state(client, flaky.id, {"COMPLETED", "FAILED", "CRASHED"}).state.type.value == "COMPLETED"

        # The stages run in the build-stages subflow, publish in the build itself.
        subflows = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flaky.id]))
        )
        runs = [flaky.id, *(run.id for run in subflows)]
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=runs)), task_run_filter=TaskRunFilter()
        )
        last_state = {}
        for run in sorted(task_runs, key=lambda r: r.created):
            last_state[run.name.rsplit("-", 1)[0]] = run.state.name
        assert {k: last_state[k] for k in ("generate", "verify", "dedup", "decontaminate")} == dict.fromkeys(
            ("generate", "verify", "dedup", "decontaminate"), "Cached"
        )
        assert last_state["blend"] == "Completed" and last_state["publish"] == "Completed"

        steady = client.create_flow_run_from_deployment(
            deployment.id, parameters={"spec_path": spec, "data_root": str(tmp_path / "steady")}
        )
        assert wait_for_state(client, steady.id, {"COMPLETED", "FAILED", "CRASHED"}).state.type.value == "COMPLETED"
    pd.testing.assert_frame_equal(published_rows(tmp_path / "flaky"), published_rows(tmp_path / "steady"))


def test_a_cancelled_run_publishes_nothing_and_frees_the_dataset(server, tmp_path):
    """Cancel from the UI (Cancelling, as its button sends) while a run waits for approval: the worker ends it,
    nothing is published, and the next run of the dataset is not held up by its lock."""
    out = str(tmp_path / "out")
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("build-dataset/spec-file")
        waiting = client.create_flow_run_from_deployment(
            deployment.id,
            parameters={"spec_path": str(write_spec(tmp_path, publish={"approval": "required"})), "data_root": out},
        )
        assert wait_for_state(client, waiting.id, {"PAUSED", "FAILED", "CRASHED"}).state.type.value == "PAUSED"
        client.set_flow_run_state(waiting.id, Cancelling(), force=True)
        ended = wait_for_state(client, waiting.id, {"CANCELLED", "COMPLETED", "FAILED", "CRASHED"})
        assert ended.state.type.value == "CANCELLED"
        assert VersionStore(out, "tiny").versions() == []

        (tmp_path / "again").mkdir()
        spec = write_spec(tmp_path / "again")
        after = client.create_flow_run_from_deployment(
            deployment.id, parameters={"spec_path": str(spec), "data_root": out}
        )
        assert wait_for_state(client, after.id, {"COMPLETED", "FAILED", "CRASHED"}).state.type.value == "COMPLETED"
    assert len(VersionStore(out, "tiny").versions()) == 1
