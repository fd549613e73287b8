"""The stages' thread pool is bounded: Prefect's default starts a thread for every shard task, so a stage held every
shard at once."""

from prefect.settings import PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS, temporary_settings

from flows.build import CORES, thread_runner


def test_the_stages_run_on_four_threads_a_core_unless_prefect_is_told_otherwise():
    with temporary_settings(restore_defaults={PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS}):
        assert thread_runner()._max_workers == 4 * CORES
    with temporary_settings(updates={PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS: 3}):
        assert thread_runner()._max_workers == 3
