"""The Dask task runner of a build with `orchestration.task_runner: dask`: prefect-dask's, submitting each task run
under a fresh key, with the flow's settings serialized once per settings context and built once per worker."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prefect.context import SettingsContext
from prefect.settings import Settings
from prefect_dask import DaskTaskRunner
from prefect_dask.task_runners import PrefectDaskFuture
from pydantic import PrivateAttr

_BUILT: dict[str, Settings] = {}  # in a worker: the settings built from each serialized form it was sent


def settings_on_worker(key: str, serialized: dict[str, Any]) -> Settings:
    """Prefect's settings from the flow's serialized form, as a worker's `hydrated_context` builds them (the flow's
    values over the worker's own environment), built once per worker process for each form (`key`)."""
    if key not in _BUILT:
        _BUILT[key] = Settings(**serialized)
    return _BUILT[key]


class SettingsForWorkers:
    """The flow's serialized settings, which a worker unpickles into the Settings it built from them before."""

    def __init__(self, serialized: dict[str, Any]):
        self.serialized = serialized
        self.key = hashlib.sha256(json.dumps(serialized, sort_keys=True, default=str).encode()).hexdigest()

    def __reduce__(self):
        return settings_on_worker, (self.key, self.serialized)


class SerializedSettings(SettingsContext):
    """A settings context that hands out a serialized form computed before. prefect-dask sends every task run the
    context's `serialize()`: Prefect's form is a dict of the settings the flow set, which each worker validates into
    a new Settings model at every task run (`hydrated_context`; pydantic-settings reads the worker's environment for
    the rest): 35 ms of the worker's CPU a task run, and 20 ms of the flow process's to serialize them. Here the
    flow serializes once per settings context, and each worker builds the model once per form
    (`settings_on_worker`; docs/operations.md, "The settings built once per worker"). The settings of a context do
    not change while it lasts."""

    _serialized: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def of(cls, context: SettingsContext, serialized: dict[str, Any]) -> SerializedSettings:
        """`context`, handing out `serialized` (its own serialize(), taken once)."""
        entered = cls(profile=context.profile, settings=context.settings)
        entered._serialized = serialized
        return entered

    def serialize(self, include_secrets: bool = True) -> dict[str, Any]:
        return self._serialized if include_secrets else super().serialize(include_secrets=False)


class FreshKeyDaskTaskRunner(DaskTaskRunner):
    """prefect-dask 0.3.7 submits every task run with Dask's default `pure=True`, so Dask names it by a hash of the
    whole call pickled (the task, its parameters with the spec, Prefect's settings and context), in the flow
    process, before pickling the call again to send it. The call holds a new task-run id each time, so the name
    was new anyway. Named by a fresh id instead (`pure=False`), mapping the 20 shards of a 100k build's generate
    stage took 1.3-2.0 CPU seconds of the flow process instead of 1.9-2.8 (two runs each on one and two workers).
    The settings go out serialized once per settings context and are built once per worker (SerializedSettings)."""

    _settings: tuple[SettingsContext, dict[str, Any]] | None = None

    def serialized_settings(self) -> SerializedSettings:
        """The current settings context, serialized the first time this runner submits under it."""
        current = SettingsContext.get()
        if current is None:
            raise RuntimeError("Prefect has no settings context to submit task runs under.")
        if self._settings is None or self._settings[0] is not current:
            self._settings = (current, self.for_workers(current))
        return SerializedSettings.of(current, self._settings[1])

    @staticmethod
    def for_workers(context: SettingsContext) -> dict[str, Any]:
        """The context's serialized form with its settings built once per worker (SettingsForWorkers)."""
        serialized = context.serialize()
        return {**serialized, "settings": SettingsForWorkers(serialized["settings"])}

    def submit(
        self,
        task: Any,
        parameters: dict[str, Any],
        wait_for: Any = None,
        dependencies: Any = None,
    ) -> PrefectDaskFuture:
        if not self._started:
            raise RuntimeError("The task runner must be started before submitting work.")
        with self.serialized_settings():
            future = self.client.submit(
                task,
                parameters=self._optimize_futures(parameters),
                wait_for=self._optimize_futures(wait_for) if wait_for else None,
                dependencies=dependencies,
                return_type="state",
                pure=False,
            )
        return PrefectDaskFuture(wrapped_future=future, task_run_id=future.task_run_id)
