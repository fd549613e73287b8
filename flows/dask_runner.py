"""The Dask task runner of a build with `orchestration.task_runner: dask`: prefect-dask's, submitting each task run
under a fresh key and with the flow's settings sent as their models."""

from __future__ import annotations

from typing import Any

from prefect.context import SettingsContext
from prefect_dask import DaskTaskRunner
from prefect_dask.task_runners import PrefectDaskFuture


class SettingsAsModels(SettingsContext):
    """A settings context that sends Dask workers its profile and settings models, not their serialized form.
    prefect-dask sends every task run the context's `serialize()`. Prefect's form is a dict, and each worker
    validates it into a new Settings model at every task run (`hydrated_context`): 35 ms of the worker's CPU, as
    pydantic-settings reads the environment again. Unpickling the models takes 0.3 ms
    (docs/operations.md, "The settings sent as models"). Before, the flow process also spent about 20 ms per task
    run serializing them. The flow and its workers run the same project and Prefect, so the models' pickles load on
    the workers."""

    @classmethod
    def of(cls, context: SettingsContext) -> SettingsAsModels:
        return cls(profile=context.profile, settings=context.settings)

    def serialize(self, include_secrets: bool = True) -> dict[str, Any]:
        if not include_secrets:
            return super().serialize(include_secrets=False)
        return {"profile": self.profile, "settings": self.settings}


class FreshKeyDaskTaskRunner(DaskTaskRunner):
    """prefect-dask 0.3.7 submits every task run with Dask's default `pure=True`, so Dask names it by a hash of the
    whole call pickled (the task, its parameters with the spec, Prefect's settings and context), in the flow
    process, before pickling the call again to send it. The call holds a new task-run id each time, so the name
    was new anyway. Named by a fresh id instead (`pure=False`), mapping the 20 shards of a 100k build's generate
    stage took 1.3-2.0 CPU seconds of the flow process instead of 1.9-2.8 (two runs each on one and two workers).
    The settings go out as their models (SettingsAsModels)."""

    def sent_settings(self, current: SettingsContext) -> SettingsContext:
        """The settings context a task run is submitted under, whose `serialize()` the workers receive."""
        return SettingsAsModels.of(current)

    def submit(
        self,
        task: Any,
        parameters: dict[str, Any],
        wait_for: Any = None,
        dependencies: Any = None,
    ) -> PrefectDaskFuture:
        if not self._started:
            raise RuntimeError("The task runner must be started before submitting work.")
        current = SettingsContext.get()
        if current is None:
            raise RuntimeError("Prefect has no settings context to submit task runs under.")
        with self.sent_settings(current):
            future = self.client.submit(
                task,
                parameters=self._optimize_futures(parameters),
                wait_for=self._optimize_futures(wait_for) if wait_for else None,
                dependencies=dependencies,
                return_type="state",
                pure=False,
            )
        return PrefectDaskFuture(wrapped_future=future, task_run_id=future.task_run_id)
