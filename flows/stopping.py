"""Stopping a command-line build with SIGTERM or SIGINT: the signal becomes an exception in the main thread, so
the flow's lock and cleanup blocks run (tasks/versions/leftovers.py) before the command exits."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.exceptions import TerminationSignal

from flows.stop_report import finish_stop_report, start_stop_report
from tasks.versions.leftovers import remove_own_leftovers, stop_children

SIGNALS = (signal.SIGTERM, signal.SIGINT)
CLEANUP_SECONDS = 10  # the most a stopped build may spend on its cleanup before the process just ends
EXIT_REPORT_SECONDS = 3  # then what the server is told (flows/stop_report.py), and 2 s for the children


class BuildStopped(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so that no `except Exception` in a stage swallows it."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number


def stopped_line(signal_number: int) -> str:
    """What the command prints when a signal stopped the build (the kernel releases the lock with the process)."""
    return f"stopped by {signal.Signals(signal_number).name}: nothing was published, the build lock is released"


def _stop(signal_number: int, frame: object) -> None:
    for number in SIGNALS:  # the first signal stops the build; more would only interrupt its cleanup
        signal.signal(number, signal.SIG_IGN)
    raise BuildStopped(signal_number)


def _watch(read_fd: int) -> None:
    """Wait for SIGTERM or SIGINT on the signal wake-up pipe, then give the main thread CLEANUP_SECONDS to stop.
    The wake-up byte is written when the signal arrives, whichever handler (this module's or Prefect's) runs it
    later in the main thread; that may be late (Prefect first reports the crash to its server, which can take
    minutes on a loaded machine) or never (an `except BaseException` that swallows it)."""
    watchdog = None
    with open(read_fd, "rb", buffering=0) as pipe:
        while data := pipe.read(64):  # read to the end: a closed pipe would make the next signal's write fail
            stopped = [number for number in data if number in SIGNALS]
            if stopped and watchdog is None:
                start_stop_report(stopped_line(stopped[0]))  # at once: the main thread may take seconds
                watchdog = threading.Timer(CLEANUP_SECONDS, _exit_now, args=(stopped[0],))
                watchdog.daemon = True
                watchdog.start()


def _exit_now(signal_number: int) -> None:
    finish_stop_report(stopped_line(signal_number), timeout=EXIT_REPORT_SECONDS)
    remove_own_leftovers()
    stop_children(grace=2)
    sys.stderr.write(stopped_line(signal_number) + "\n")
    sys.stderr.flush()
    os._exit(128 + signal_number)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise BuildStopped in the block (while a flow runs, Prefect's own SIGTERM handler marks
    the run crashed first and hands the signal on); the process ends CLEANUP_SECONDS after the signal, plus the
    EXIT_REPORT_SECONDS and the few seconds its children take to stop, at the latest."""
    previous = {number: signal.signal(number, _stop) for number in SIGNALS}
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous_wakeup = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    threading.Thread(target=_watch, args=(read_fd,), name="stop-watchdog", daemon=True).start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_wakeup)
        os.close(write_fd)  # the watcher reads the end of the pipe and returns
        for number, handler in previous.items():
            signal.signal(number, handler)


# What a stopped build raises inside the flow: Prefect's SIGTERM bridge, or the handler above for SIGINT (and for
# SIGTERM outside a flow run). Prefect's Pause and Abort are not among them: a paused run resumes from its work.
STOPS: tuple[type[BaseException], ...] = (BuildStopped, TerminationSignal, KeyboardInterrupt, SystemExit)
