import cloudpickle
import pytest
from prefect import Task

import tasks.dedup_stages
import tasks.stage_shards
import tasks.stages

STAGE_TASKS = [
    task
    for module in (tasks.stages, tasks.stage_shards, tasks.dedup_stages)
    for task in vars(module).values()
    if isinstance(task, Task) and task.fn.__module__ == module.__name__
]


@pytest.mark.parametrize("task", STAGE_TASKS, ids=lambda task: task.name)
def test_every_stage_task_pickles_as_dask_sends_it_to_a_worker(task):
    """Dask pickles a task's function by value (the module's name for it is the Task), globals included: a global
    holding a lock made the dedup decision fail on Dask workers only."""
    assert cloudpickle.loads(cloudpickle.dumps(task)).name == task.name


def test_the_stage_tasks_are_found():
    names = {
        "dedup",
        "dedup-plan",
        "dedup-siblings",
        "dedup-rows",
        "dedup-pair-plan",
        "dedup-pairs",
        "dedup-decision",
        "dedup-quarantine",
    }
    assert names | {"embed-shard"} <= {task.name for task in STAGE_TASKS}
