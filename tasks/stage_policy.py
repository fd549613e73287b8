"""How stage tasks retry and resume: which failures are worth a retry, and results persisted under a key of the
stage's code, spec and input contents, so a retried flow run skips the stages that finished."""

from __future__ import annotations

import errno
import sqlite3
from datetime import timedelta
from typing import Any

from schemas.spec import SpecError
from tasks.llm.costs import BudgetExceeded
from tasks.privacy.guard import PrivacyError
from tasks.publish.assemble import DiversityDrop
from tasks.publish.manifest import AccountingError
from tasks.stage_cache import stage_cache_key
from tasks.verify.expectations import GateError

FINAL_ERRORS = (GateError, SpecError, AccountingError, DiversityDrop, BudgetExceeded, PrivacyError)


def disk_full(error: BaseException | None) -> bool:
    """The disk (or the user's quota) has no room left: a retry soon after would only fail again. SQLite (the
    embedding and request caches) says so with its own error, SQLITE_FULL, not an OSError."""
    if isinstance(error, sqlite3.OperationalError):
        return getattr(error, "sqlite_errorname", None) == "SQLITE_FULL"
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def where_full(error: OSError | sqlite3.OperationalError) -> str:
    """The file a full disk stopped, as its error names it."""
    if isinstance(error, OSError):
        return f"{error.filename or ''}: {error.strerror}"
    return f"a SQLite cache (embeddings or requests): {error}"


def worth_retrying(task, task_run, state) -> bool:
    """Retry I/O and LLM failures; a gate's verdict, bad input or lost rows would only fail again."""
    error = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return not isinstance(error, FINAL_ERRORS) and not disk_full(error)


RETRIES: dict[str, Any] = {
    "retries": 2,
    "retry_delay_seconds": [5, 30],
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": worth_retrying,
}
# Results persist under a key of the stage's code, spec and input contents: a retried flow run resumes.
RESUMABLE: dict[str, Any] = {
    "cache_key_fn": stage_cache_key,
    "persist_result": True,
    "cache_expiration": timedelta(days=7),
}
