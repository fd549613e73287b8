"""Per-run overhead of the code sandbox: wall time of `print(1)` through the bubblewrap sandbox
(tasks/verify/sandbox.py) against the subprocess-and-audit-hook runner it replaced (tasks/code_sandbox.py at
f392326, copied below so both run side by side), interleaved, plus a plain `python -I -S` for the floor.
Writes bench/results/sandbox.json.  Usage: python bench/sandbox.py [RUNS]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.verify.sandbox import run_python, sandbox_problem  # noqa: E402

_OLD_PRELUDE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
def _no_network(event, args):
    if event.startswith("socket.") and event not in ("socket.gethostname",):
        raise PermissionError("network access is not allowed in the sandbox")
sys.addaudithook(_no_network)
del resource, sys, _no_network
"""


def old_run_python(code: str, timeout_seconds: float = 5, memory_mb: int = 256) -> bool:
    """tasks/code_sandbox.run_python as it was (the leaky one), reduced to its pass/fail."""
    program = _OLD_PRELUDE.format(limit=memory_mb * 1024 * 1024) + "\n" + code
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-I", "-c", program],
            check=False,
            cwd=folder,
            env={},
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
        )
    return done.returncode == 0


def bare_python(code: str) -> bool:
    return (
        subprocess.run(
            [os.path.realpath(sys.executable), "-I", "-S", "-c", code], check=False, env={}, capture_output=True
        ).returncode
        == 0
    )


def main(runs: int) -> dict:
    assert sandbox_problem() is None, sandbox_problem()
    runners = {
        "bubblewrap_sandbox": lambda: run_python("print(1)").passed,
        "old_audit_hook": lambda: old_run_python("print(1)"),
        "bare_python_I_S": lambda: bare_python("print(1)"),
    }
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(runs):
        for name, runner in runners.items():  # interleaved, so machine load hits every runner alike
            started = time.perf_counter()
            assert runner(), name
            times[name].append((time.perf_counter() - started) * 1000)
    summary = {
        name: {"median_ms": round(statistics.median(t), 1), "p90_ms": round(sorted(t)[int(0.9 * len(t))], 1)}
        for name, t in times.items()
    }
    return {
        "runs_each": runs,
        "code": "print(1)",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "ms": summary,
        "sandbox_minus_old_median_ms": round(
            summary["bubblewrap_sandbox"]["median_ms"] - summary["old_audit_hook"]["median_ms"], 1
        ),
        "sandbox_minus_bare_median_ms": round(
            summary["bubblewrap_sandbox"]["median_ms"] - summary["bare_python_I_S"]["median_ms"], 1
        ),
    }


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
    out = ROOT / "bench" / "results" / "sandbox.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
