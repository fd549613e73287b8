"""Approval before publishing: the flow pauses, a person answers as in the Prefect UI, the manifest records it."""

import json
import threading
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run

from flows.build import build_dataset
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.usefixtures("prefect_api")


def paused_run_id(timeout: float = 90):
    """Wait until a flow run is paused; return its id."""
    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    with get_client(sync_client=True) as client:
        return wait_until(
            lambda: client.read_flow_runs(flow_run_filter=paused), timeout, "a flow run paused for approval"
        )[0].id


def build_with_decision(tmp_path, decision: dict) -> dict:
    spec = write_spec(tmp_path, publish={"approval": "required"})
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(build_dataset(str(spec), str(tmp_path / "out"))))
    thread.start()
    resume_flow_run(paused_run_id(), run_input=decision)
    thread.join(timeout=120)
    return outcome


def test_a_rejected_version_is_not_published(tmp_path):
    outcome = build_with_decision(tmp_path, {"approve": False, "approver": "dana", "comment": "too repetitive"})
    assert outcome["published"] is False and outcome["approval"]["approver"] == "dana"
    assert not [p for p in (tmp_path / "out" / "tiny").iterdir() if not p.name.startswith(".")]


def test_an_approved_version_records_who_approved_it(tmp_path):
    outcome = build_with_decision(tmp_path, {"approve": True, "approver": "lee", "comment": "looks good"})
    manifest = json.loads((Path(outcome["path"]) / "manifest.json").read_text())
    assert manifest["approval"]["approved"] is True and manifest["approval"]["approver"] == "lee"
