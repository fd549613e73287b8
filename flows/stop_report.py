"""What a stopped command-line build tells its Prefect server before the process ends.

Prefect records a flow run's crash only once its running task runs return, and a stopped build does not wait for
them (flows/stopping.py ends the process within seconds): without this, the server shows the build, its stages'
subflow and their task runs Running forever, and no synthfactory.build.failed event reaches the alert automation
(flows/alerts.py). So the build's flow run notes itself here (note_build_run), and a stop marks it, its subflows
and every unfinished task run of theirs Crashed and emits the failed event once: a pass as the signal arrives
(start_stop_report), another just before the process ends (finish_stop_report) for a subflow created meanwhile.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
    TaskRunFilterState,
    TaskRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.events.worker import EventsWorker
from prefect.runtime import flow_run
from prefect.states import Crashed

from flows.events import FAILED, emit_build_event

REPORT_SECONDS = 5  # the most a stop waits for the server; the process ends either way
UNFINISHED = [StateType.PENDING, StateType.RUNNING, StateType.SCHEDULED]
_builds: dict[UUID, tuple[str, str]] = {}  # this process's build flow runs: (dataset, spec path)
_alerted: set[UUID] = set()
_crashed: set[UUID] = set()  # flow runs a pass marked: a later pass still sweeps their task runs
_lock = threading.Lock()
_finished = threading.Event()
_complained = threading.Event()
_pass: threading.Thread | None = None


def note_build_run(dataset: str, spec_path: str) -> None:
    """Remember the current build flow run, its dataset and spec, for a stop to report."""
    run_id = flow_run.get_id()
    if run_id:
        _builds[UUID(str(run_id))] = (dataset, spec_path)


def start_stop_report(message: str) -> threading.Thread | None:
    """A pass in the background, unless one is under way (then that one): the noted builds still unfinished, their
    subflows and their unfinished task runs marked Crashed with `message`, the failed event emitted once a build."""
    global _pass
    with _lock:
        if not _builds:
            return None
        if _pass is None or not _pass.is_alive():
            _pass = threading.Thread(
                target=_tell_server, args=(dict(_builds), message), name="stop-report", daemon=True
            )
            _pass.start()
        return _pass


def finish_stop_report(message: str, timeout: float = REPORT_SECONDS) -> None:
    """Wait for the pass under way, then make one more (a subflow may have started since), within `timeout`; once
    (the command's own stop path and the watchdog may both call it)."""
    if _finished.is_set():
        return
    _finished.set()
    deadline = time.monotonic() + timeout
    if _pass is not None:
        _pass.join(timeout)
    last = start_stop_report(message)
    if last is not None:
        last.join(max(0.0, deadline - time.monotonic()))


def _tell_server(builds: dict[UUID, tuple[str, str]], message: str) -> None:
    try:
        with get_client(sync_client=True) as client:
            children = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=list(builds)))
            )
            runs = {run.id: run.state for run in client.read_flow_runs(flow_run_filter=_ids(list(builds)))}
            runs |= {run.id: run.state for run in children}
            stopped = [run_id for run_id, state in runs.items() if state is None or not state.is_final()]
            for run_id in stopped:
                if run_id in builds and run_id not in _alerted:
                    dataset, spec_path = builds[run_id]
                    emit_build_event(FAILED, dataset, spec_path=spec_path, flow_run_id=str(run_id), error=message)
                    _alerted.add(run_id)
            # A shard the task runner starts after a pass crashed its flow run is refused Running and stays Pending.
            swept = [*stopped, *(_crashed & (runs.keys() - set(stopped)))]
            if swept:
                unfinished = client.read_task_runs(
                    flow_run_filter=_ids(swept),
                    task_run_filter=TaskRunFilter(
                        state=TaskRunFilterState(type=TaskRunFilterStateType(any_=UNFINISHED))
                    ),
                )
                for task_run in unfinished:
                    client.set_task_run_state(task_run.id, Crashed(message=message), force=True)
            for run_id in sorted(stopped, key=lambda run_id: run_id in builds):  # subflows, then the build
                client.set_flow_run_state(run_id, Crashed(message=message), force=True)
                _crashed.add(run_id)
        logging.getLogger("EventsWorker").setLevel(logging.ERROR)  # not "Still processing items" on every stop
        EventsWorker.drain_all(timeout=2)
    except Exception as error:  # the server may be gone or slow: say so in one line, the stop goes on
        if not _complained.is_set():
            _complained.set()
            sys.stderr.write(f"could not mark the stopped runs Crashed on the Prefect server: {error}\n")


def _ids(run_ids: list[UUID]) -> FlowRunFilter:
    return FlowRunFilter(id=FlowRunFilterId(any_=run_ids))
