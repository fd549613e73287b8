"""Preloaded by each Dask worker as it starts (`dask worker ADDRESS --preload flows.dask_preload`): the stage modules
whose tasks the worker runs, imported before any build sends it one. Importing them costs a worker about 6 CPU
seconds and 0.4 GB (pandas, pyarrow, FAISS, GX, Prefect): paid in its first task, a second worker added that much to
the critical path of every stage it joined (generate at 100k rows: 1.25 times as fast on two workers as on one)."""

import tasks.dedup_stages  # noqa: F401
import tasks.stage_shards  # noqa: F401
import tasks.stages  # noqa: F401
