"""Stopping a command-line build with SIGTERM or SIGINT: the signal becomes an exception in the main thread, so
the flow's lock and cleanup blocks run (tasks/versions/leftovers.py) before the command exits."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.exceptions import TerminationSignal

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class BuildStopped(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so that no `except Exception` in a stage swallows it."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.signal_name = signal.Signals(signal_number).name


def _stop(signal_number: int, frame: object) -> None:
    for number in SIGNALS:  # the first signal stops the build; more would only interrupt its cleanup
        signal.signal(number, signal.SIG_IGN)
    raise BuildStopped(signal_number)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise BuildStopped in the block. While a flow runs, Prefect's own SIGTERM handler
    marks the run crashed first and then hands the signal back to this one."""
    previous = {number: signal.signal(number, _stop) for number in SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


# What a stopped build raises inside the flow: Prefect's SIGTERM bridge, or the handler above for SIGINT (and for
# SIGTERM outside a flow run). Prefect's Pause and Abort are not among them: a paused run resumes from its work.
STOPS: tuple[type[BaseException], ...] = (BuildStopped, TerminationSignal, KeyboardInterrupt, SystemExit)
