"""task_runner: dask runs the stages on a Dask cluster and publishes the same version as the default runner."""

import sys
import uuid

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from flows.build import build_dataset
from schemas import records as col
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")


def encoder_was_loaded() -> bool:
    from tasks.embeddings.encoder import loaded_backends

    return loaded_backends() == 1


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def published(result: dict) -> pd.DataFrame:
    return (
        pd.read_parquet(result["path"] + "/data")
        .drop(columns=[col.BUILD_RUN_ID])
        .sort_values(col.ID)
        .reset_index(drop=True)
    )


def test_a_dask_cluster_builds_the_same_version_as_threads(tmp_path, cluster, monkeypatch):
    monkeypatch.setenv("SYNTHFACTORY_DASK_ADDRESS", cluster.scheduler_address)
    spec = write_spec(tmp_path)
    on_dask = build_dataset(str(spec), str(tmp_path / "dask"), {"orchestration.task_runner": "dask"})
    on_threads = build_dataset(str(spec), str(tmp_path / "threads"))
    pd.testing.assert_frame_equal(published(on_dask), published(on_threads))
    assert on_dask["counts"] == on_threads["counts"]
    with Client(cluster) as client:
        loaded = client.run(lambda: "tasks.embeddings.encoder" in sys.modules and encoder_was_loaded())
    assert any(loaded.values()), "the embedding work did not run on the cluster's workers"


def test_a_worker_started_with_the_preload_holds_the_stage_modules_before_its_first_task():
    def stage_modules() -> list[bool]:
        return ["tasks.stage_shards" in sys.modules, "tasks.stages" in sys.modules]

    preload = ["flows.dask_preload"]
    with (
        LocalCluster(n_workers=1, processes=True, dashboard_address=None, preload=preload) as local,
        Client(local) as c,
    ):
        assert list(c.run(stage_modules).values()) == [[True, True]]
    with LocalCluster(n_workers=1, processes=True, dashboard_address=None) as local, Client(local) as client:
        assert list(client.run(stage_modules).values()) == [[False, False]]  # what the preload is for


def test_dask_without_an_address_fails_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNTHFACTORY_DASK_ADDRESS", raising=False)
    with pytest.raises(Exception, match="SYNTHFACTORY_DASK_ADDRESS"):
        build_dataset(str(write_spec(tmp_path)), str(tmp_path / "out"), {"orchestration.task_runner": "dask"})


def test_the_build_submits_its_task_runs_without_hashing_each_call(tmp_path, cluster, monkeypatch):
    """Dask names a `pure` submission by a hash of the whole call pickled (the task, the spec, Prefect's context),
    in the flow process, for every shard: flows/dask_runner.py submits under fresh ids instead."""
    import distributed.client

    hashed = []

    def tokenize(*args, **kwargs) -> str:
        hashed.append(args)
        return uuid.uuid4().hex

    monkeypatch.setattr(distributed.client, "tokenize", tokenize)
    monkeypatch.setenv("SYNTHFACTORY_DASK_ADDRESS", cluster.scheduler_address)
    result = build_dataset(str(write_spec(tmp_path)), str(tmp_path / "out"), {"orchestration.task_runner": "dask"})
    assert result["counts"]["published"]["total"] > 0
    assert hashed == []


def test_a_task_on_a_worker_runs_under_the_settings_it_was_submitted_under(cluster):
    """The runner serializes each settings context once and each worker builds it once (flows/dask_runner.py): a
    task still sees the flow's settings, and a setting changed in the flow reaches the tasks submitted after it."""
    from prefect import flow, task
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, get_current_settings, temporary_settings

    from flows.dask_runner import FreshKeyDaskTaskRunner

    @task
    def max_retries(_: int = 0) -> int:
        return get_current_settings().client.max_retries

    @flow(task_runner=FreshKeyDaskTaskRunner(address=cluster.scheduler_address))
    def submitted() -> list[int]:
        before = [future.result() for future in max_retries.map(range(2))]
        with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 9}):
            changed = [max_retries.submit().result()]
        return before + changed + [max_retries.submit().result()]

    default = get_current_settings().client.max_retries
    assert submitted() == [default, default, 9, default]
