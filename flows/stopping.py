"""Stopping a command-line build with SIGTERM or SIGINT: the signal becomes an exception in the main thread, so
the flow's lock and cleanup blocks run (tasks/versions/leftovers.py) before the command exits."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.exceptions import TerminationSignal

from tasks.versions.leftovers import stop_children

SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLEANUP_SECONDS = 30  # the most a stopped build may spend on its cleanup before the process just ends


class BuildStopped(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so that no `except Exception` in a stage swallows it."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.signal_name = signal.Signals(signal_number).name


def _stop(signal_number: int, frame: object) -> None:
    for number in SIGNALS:  # the first signal stops the build; more would only interrupt its cleanup
        signal.signal(number, signal.SIG_IGN)
    # The exception lands wherever the main thread is; should some `except BaseException` there swallow it, the
    # process still ends: the next build sweeps what the cleanup did not reach.
    watchdog = threading.Timer(CLEANUP_SECONDS, _exit_now, args=(signal_number,))
    watchdog.daemon = True
    watchdog.start()
    raise BuildStopped(signal_number)


def _exit_now(signal_number: int) -> None:
    stop_children(grace=2)
    os._exit(128 + signal_number)


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
