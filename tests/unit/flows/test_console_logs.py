"""On the console, an expected failure's log lines are left out (the command says it in one line); others keep their
traceback."""

import io
import logging
import subprocess
import sys
from pathlib import Path

from prefect.logging.configuration import ensure_logging_setup
from prefect.logging.handlers import PrefectConsoleHandler

from flows.console_logs import quiet_expected_tracebacks
from tasks.verify.expectations import GateError


def logged(error: BaseException) -> str:
    ensure_logging_setup()  # as in a build, whose imports configured Prefect's logging before the handler is added
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


def console(logger: str, message: str, *args) -> str:
    """What the console shows of one ERROR line a Prefect logger writes, with the filter in place."""
    ensure_logging_setup()
    stream = io.StringIO()
    handler = PrefectConsoleHandler(stream=stream)
    logging.getLogger().addHandler(handler)
    try:
        quiet_expected_tracebacks()
        logging.getLogger(logger).error(message, *args)
    finally:
        logging.getLogger().removeHandler(handler)
    return stream.getvalue()


def test_an_expected_failure_is_left_to_the_command_an_unexpected_one_keeps_its_traceback():
    assert logged(GateError("batch-level gate failed: distinct_2 fell")) == ""
    assert logged(OSError(28, "No space left on device", "/data/demo/.work/x.parquet")) == ""
    from tasks.publish.manifest import AccountingError

    lost = logged(AccountingError("3 rows lost"))  # a bug, not a verdict: the command has no line of its own for it
    assert "3 rows lost" in lost and "Traceback (most recent call last)" in lost
    unexpected = logged(RuntimeError("disk on fire"))
    assert "disk on fire" in unexpected and "Traceback (most recent call last)" in unexpected
    assert sys.exc_info() == (None, None, None)


def test_a_task_runs_failed_state_line_is_left_out_when_its_exception_is_expected():
    line = "Finished in state Failed('Task run encountered an exception {}: verify rejected 6 of 6 rows')"
    assert console("prefect.task_runs", line.format("GateError")) == ""
    assert console("prefect.task_runs", line.format("BudgetExceeded")) == ""
    assert "ValueError" in console("prefect.task_runs", line.format("ValueError"))  # a bug still shows


def test_a_build_a_person_stopped_leaves_out_prefects_crash_lines():
    from flows.stopping import BuildStopped

    crash = "Crash detected! Execution was interrupted by an unexpected exception: %s"
    assert console("prefect.flow_runs", crash, f"{type(BuildStopped(2)).__name__}: 2") == ""
    assert console("prefect.flow_runs", crash, "KeyboardInterrupt") == ""
    assert "MemoryError" in console("prefect.flow_runs", crash, "MemoryError: out of memory")  # a crash still shows


def test_the_filter_is_in_place_whatever_was_imported_before():
    # A fresh process that has imported only this module: Prefect has not configured its logging yet.
    code = (
        "import logging; from flows.console_logs import quiet_expected_tracebacks, WithoutExpectedTraceback; "
        "quiet_expected_tracebacks(); "
        "print([type(f).__name__ for h in logging.getLogger().handlers for f in h.filters])"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert "WithoutExpectedTraceback" in done.stdout, done.stdout + done.stderr
