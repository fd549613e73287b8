from prefect.states import Failed

from schemas.spec import SpecError
from tasks.stage_policy import worth_retrying
from tasks.verify.expectations import GateError


def test_only_transient_failures_are_retried():
    assert worth_retrying(None, None, Failed(data=ConnectionError("reset by peer")))
    assert not worth_retrying(None, None, Failed(data=GateError("gx_batch_row_count failed")))
    assert not worth_retrying(None, None, Failed(data=SpecError("seed_data.path: not found")))
