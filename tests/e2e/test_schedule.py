"""Nightly builds that fire: a real Prefect server's scheduler turns the nightly deployment's schedule
(deployments/prefect.yaml) into scheduled runs, and a worker completes one of them; its run form refuses what it
does not know. The server keeps its database in SQLite, as `make serve` does, and in PostgreSQL, as
docker-compose.yml does."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.exceptions import PrefectHTTPStatusError

from flows import serve
from tests.helpers.postgres import DATABASE_URL, DATABASES, flow_run_state, server_database
from tests.helpers.prefect_server import prefect_server
from tests.helpers.waiting import wait_until

NIGHTLY = "build-dataset/demo-nightly"
# The scheduler visits deployments every 60 s by default; a test need not wait that long.
FAST_SCHEDULER = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
    "PREFECT_WORKER_QUERY_SECONDS": "1",
}


@pytest.fixture(scope="module", params=DATABASES)
def server(request, tmp_path_factory):
    with server_database(request.param) as database:
        home = tmp_path_factory.mktemp("prefect-home")
        with prefect_server(home, deploy=True, settings=FAST_SCHEDULER | database) as env:
            yield env


def scheduled_runs(client, deployment_id) -> list:
    """The deployment's runs the scheduler created that have not started yet."""
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]))
    )
    return [r for r in runs if r.auto_scheduled and r.state and r.state.type.value == "SCHEDULED"]


def wait_for_scheduler(condition, env: dict[str, str], what: str):
    """wait_until, and on a timeout the scheduler's complaints from the server log (why no run was created)."""
    try:
        return wait_until(condition, 90, what, interval=0.5)
    except AssertionError as error:
        log = serve.log_path(env, "server").read_text(errors="replace").splitlines()
        errors = [line for line in log if "Error" in line or "error" in line][-5:]
        raise AssertionError(f"{error}; server.log says:\n" + "\n".join(errors or log[-20:])) from None


def test_the_nightly_schedule_creates_runs_and_a_worker_completes_one(server, tmp_path):
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name(NIGHTLY)
        [cron] = nightly.schedules
        assert (cron.schedule.cron, cron.schedule.timezone, cron.active) == ("0 2 * * *", "Europe/Berlin", True)
        runs = wait_for_scheduler(
            lambda: scheduled_runs(client, nightly.id), server, "the scheduler to create the nightly's runs"
        )
        berlin = {r.expected_start_time.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") for r in runs}
        assert berlin == {"02:00"} and all(r.parameters == {"spec": "demo"} for r in runs)

        # The cron's runs are hours away: pause it (its runs go) and add a schedule due in seconds that builds
        # fewer rows, as the UI's "Add schedule" does. The scheduler, not the test, creates the run.
        client.update_deployment_schedule(nightly.id, cron.id, active=False)
        wait_until(lambda: not scheduled_runs(client, nightly.id), 30, "the paused cron's runs to go")
        small = {"overrides": {"rows": 12, "data_root": str(tmp_path / "data")}}
        soon = IntervalSchedule(interval=timedelta(hours=1), anchor_date=datetime.now(UTC) + timedelta(seconds=20))
        client.create_deployment_schedules(nightly.id, [(soon, True)], parameters=small, slug="soon")
        [run, *later] = sorted(
            wait_for_scheduler(
                lambda: scheduled_runs(client, nightly.id), server, "the scheduler to create the new schedule's runs"
            ),
            key=lambda r: r.expected_start_time,
        )
        assert run.parameters == {"spec": "demo", **small} and run.expected_start_time == soon.anchor_date
        assert all(r.expected_start_time - run.expected_start_time >= timedelta(hours=1) for r in later)

        worker = serve.start_worker(server)
        try:
            finished = wait_until(
                lambda: (r := client.read_flow_run(run.id)).state.is_final() and r,
                300,
                f"the worker to finish scheduled run {run.id}",
                interval=0.5,
            )
        finally:
            serve.stop(worker)
    assert finished.state.type.value == "COMPLETED", finished.state.message
    assert finished.name == f"instruct-demo-{run.expected_start_time:%Y-%m-%d}"  # what it builds, for which day
    [version] = [
        p for p in (tmp_path / "data" / "instruct-demo").iterdir() if p.is_dir() and not p.name.startswith(".")
    ]
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["build_run_id"] == str(run.id) and manifest["spec"]["generator"]["rows"] == 12
    # 12 generated: 2 wrong sums, 2 failing programs, and "Chen has 3 marbles and buys 2 more" (eval item wp-008,
    # "Aisha owns 2 marbles and gets 3 more", restated) quarantined
    assert manifest["counts"]["published"] == {"total": 182, "real": 175, "synthetic": 7}
    if DATABASE_URL in server:  # the run, as PostgreSQL itself holds it: the server used no SQLite file
        assert flow_run_state(server[DATABASE_URL], run.id) == "COMPLETED"
        assert not (Path(server["PREFECT_HOME"]) / "prefect.db").exists()


def test_the_run_form_names_a_key_it_does_not_know(server):
    with get_client(sync_client=True) as client:
        nightly = client.read_deployment_by_name(NIGHTLY)
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(nightly.id, parameters={"spec": "demo", "overrides": {"rowz": 5}})
        assert refused.value.response.status_code == 409 and "rowz" in refused.value.response.text
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(nightly.id, parameters={"spec": "no-such-spec"})
        assert "no-such-spec" in refused.value.response.text
