"""Approval before publishing: the flow pauses with a sample of what it would publish and waits for a person."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect.artifacts import create_markdown_artifact
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from tasks.publish.approval_sample import approval_markdown
from tasks.stage_result import Stages, read_quarantines
from tasks.tables import read_parquet


class ApprovalDecision(RunInput):
    approve: bool
    approver: str
    comment: str = ""


def request_approval(stages: Stages, timeout_hours: float, seed: int, record: RecordSchema = INSTRUCTION) -> dict:
    """Pause until someone approves or rejects in the Prefect UI; returns their decision as recorded in the manifest."""
    data = read_parquet(stages["blend"].table("blended"))
    quarantine = read_quarantines(stages)
    sample = approval_markdown(data, quarantine, seed=seed, record=record)
    create_markdown_artifact(sample, key="approval-sample", description="Rows waiting for approval")
    form = ApprovalDecision.with_initial_data(
        description="Publish this version?\n\n" + sample, approve=False, approver=""
    )
    decision = pause_flow_run(wait_for_input=form, timeout=int(timeout_hours * 3600), poll_interval=2, key="approval")
    return {
        "approved": decision.approve,
        "approver": decision.approver,
        "comment": decision.comment,
        "decided_at": datetime.now(UTC).isoformat(),
    }
