"""On the console, an expected failure's log lines keep their message and lose the traceback; others keep it."""

import io
import logging
import sys

from prefect.logging.handlers import PrefectConsoleHandler

from flows.console_logs import quiet_expected_tracebacks
from tasks.verify.expectations import GateError


def logged(error: BaseException) -> str:
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_expected_tracebacks()
        try:
            raise error
        except BaseException:
            logging.getLogger("prefect.task_runs.test").error(
                "Task run failed with exception: %r", error, exc_info=True
            )
    finally:
        root.removeHandler(handler)
    return stream.getvalue()


def test_an_expected_failure_is_one_line_an_unexpected_one_keeps_its_traceback():
    expected = logged(GateError("batch-level gate failed: distinct_2 fell"))
    assert "batch-level gate failed" in expected and "Traceback" not in expected
    unexpected = logged(RuntimeError("disk on fire"))
    assert "disk on fire" in unexpected and "Traceback (most recent call last)" in unexpected
    assert sys.exc_info() == (None, None, None)
