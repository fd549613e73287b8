"""Prefect's console log during a command-line build. An expected failure (a gate's verdict, bad input, a spend cap,
an open circuit, a full disk) reaches the person as the command's own one-line error; Prefect's task and flow run
loggers would say it three times before it, the flow runs' lines with its traceback (about 150 lines). On the
console those lines are left out; the log Prefect sends to its server keeps them whole (its handler sees the record
first). A build a person stopped says so in the command's own line, without Prefect's "Crash detected!" for each
flow run."""

from __future__ import annotations

import logging
import re

from prefect.exceptions import TerminationSignal
from prefect.logging.configuration import ensure_logging_setup
from prefect.logging.handlers import PrefectConsoleHandler

from flows.stopping import BuildStopped
from tasks.llm.limits import CircuitOpen
from tasks.publish.manifest import AccountingError
from tasks.stage_policy import FINAL_ERRORS, disk_full

# The failures `synthfactory build` says in its own line. A lost or twice-counted row (AccountingError) is a bug: its
# lines and traceback stay.
EXPECTED = tuple(kind for kind in (*FINAL_ERRORS, CircuitOpen) if kind is not AccountingError)


# Prefect's "Crash detected!" line of each flow run a person stopped (Ctrl-C, SIGTERM): the command's own line says
# what happened ("stopped by SIGINT: nothing was published, ..."), so the console leaves it out.
STOPPED_BY = tuple(stop.__name__ for stop in (BuildStopped, TerminationSignal, KeyboardInterrupt))


# A task run's "Finished in state Failed('Task run encountered an exception GateError: ...')" carries no exception,
# only its name.
FAILED_WITH = re.compile(r"encountered an exception (\w+):")
EXPECTED_NAMES = frozenset(kind.__name__ for kind in EXPECTED)


def expected_failure(record: logging.LogRecord, message: str) -> bool:
    if record.exc_info:
        return isinstance(record.exc_info[1], EXPECTED) or disk_full(record.exc_info[1])
    named = FAILED_WITH.search(message)
    return named is not None and named.group(1) in EXPECTED_NAMES


class WithoutExpectedTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Crash detected!") and any(f"exception: {name}" in message for name in STOPPED_BY):
            return False
        return not expected_failure(record, message)


def quiet_expected_tracebacks() -> None:
    """Put the filter on Prefect's console handlers (once each)."""
    ensure_logging_setup()  # Prefect adds its handlers when prefect.main is imported: else there would be none yet
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, WithoutExpectedTraceback) for f in handler.filters
        ):
            handler.addFilter(WithoutExpectedTraceback())
