"""Running generated Python in a separate, limited process: a timeout, an address-space cap, no network
(an audit hook refuses sockets), an empty environment and a throwaway working folder."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

_CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)

_PRELUDE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
def _no_network(event, args):
    if event.startswith("socket.") and event not in ("socket.gethostname",):
        raise PermissionError("network access is not allowed in the sandbox")
sys.addaudithook(_no_network)
del resource, sys, _no_network
"""


@dataclass(frozen=True)
class RunResult:
    passed: bool
    detail: str


def extract_code(text: str) -> str | None:
    """The first fenced Python block of a text, or None."""
    match = _CODE_BLOCK.search(text or "")
    return match.group(1) if match else None


def run_python(code: str, timeout_seconds: float = 5, memory_mb: int = 256) -> RunResult:
    """Run code in a fresh interpreter; passed when it exits 0 within the time and memory limits."""
    program = _PRELUDE.format(limit=memory_mb * 1024 * 1024) + "\n" + code
    with tempfile.TemporaryDirectory() as folder:
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-c", program],
                cwd=folder,
                env={},
                capture_output=True,
                text=True,
                timeout=timeout_seconds,
            )
        except subprocess.TimeoutExpired:
            return RunResult(False, f"timed out after {timeout_seconds}s")
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        return RunResult(False, lines[-1][:300] if lines else f"exit code {done.returncode}")
    return RunResult(True, "")
