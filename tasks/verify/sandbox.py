"""Generated Python run isolated by construction with bubblewrap: its own network, PID, IPC and mount namespaces,
a read-only view of the interpreter and /usr only, a private size-capped /tmp, an empty environment, a throwaway
unprivileged uid, rlimits, an output cap, and the whole process tree killed when the run ends. No sandbox, no run."""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, cast

log = logging.getLogger(__name__)

UNAVAILABLE = "sandbox_unavailable"
_CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.DOTALL)
# Far from real accounts and from 65534, and random per run, so concurrent sandboxes never share a process count.
_UID_BASE, _UID_SPAN = 1_000_000, 1 << 24
# Sandboxes at once in this process, whatever number of shards run side by side (each with its own
# parallel_runs): setting up namespaces is CPU work, and dozens at once on a few cores pushed runs past their
# wall-clock timeout, so a row's verdict depended on the machine's load. A run's timeout starts with its slot.
_RUNNING = threading.BoundedSemaphore(4 * (os.cpu_count() or 1))
_PROBE = """import os, socket
assert os.getuid() != 0 and not os.environ.get('PATH') and not os.path.exists('/etc')
assert [name for _, name in socket.if_nameindex()] == ['lo']
print('sandboxed')"""


@dataclass(frozen=True)
class Limits:
    """What one run may use besides time and memory (which the code check's spec sets)."""

    processes: int = 32
    file_mb: int = 16
    scratch_mb: int = 32
    open_files: int = 64
    output_bytes: int = 1 << 20
    kept_bytes: int = 4096


@dataclass(frozen=True)
class RunResult:
    passed: bool
    detail: str
    output: str = ""
    output_truncated: bool = False
    unavailable: bool = False


def extract_code(text: str) -> str | None:
    """The first fenced Python block of a text, or None."""
    match = _CODE_BLOCK.search(text or "")
    return match.group(1) if match else None


def run_python(code: str, timeout_seconds: float = 5, memory_mb: int = 256, limits: Limits = Limits()) -> RunResult:
    """Run code in the sandbox; passed when it exits 0 within every limit; refused (unavailable) with no sandbox."""
    problem = sandbox_problem()
    if problem:
        return RunResult(False, problem, unavailable=True)
    with _RUNNING:
        return _run_isolated(code, timeout_seconds, memory_mb, limits)


@functools.cache
def sandbox_problem() -> str | None:
    """None when the sandbox works on this machine, else why not; probed once per process and logged once."""
    missing = [tool for tool in ("bwrap", "prlimit", "setpriv") if shutil.which(tool) is None]
    problem: str | None
    if missing:
        problem = f"{', '.join(missing)} not found on PATH (install the Debian packages bubblewrap and util-linux)"
    else:
        try:
            result = _run_isolated(_PROBE, 20, 256, Limits())
            works = result.passed and result.output == "sandboxed\n"
            problem = None if works else f"bwrap could not build the sandbox: {result.detail or result.output[:300]}"
        except OSError as error:
            problem = f"bwrap could not start: {error}"
    if problem:
        log.error("%s: generated code will not run, every code row is refused: %s", UNAVAILABLE, problem)
    return problem


def sandbox_command(timeout_seconds: float, memory_mb: int, limits: Limits, uid: int, info_fd: int) -> list[str]:
    """prlimit, bwrap, (as root) setpriv to `uid` and a nested bwrap, then the interpreter reading code on stdin."""
    interpreter, prefix = os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix)
    rlimits = [
        _tool("prlimit"), f"--nproc={limits.processes}", f"--cpu={math.ceil(timeout_seconds) + 1}",
        f"--as={memory_mb << 20}", f"--fsize={limits.file_mb << 20}", f"--nofile={limits.open_files}", "--",
    ]  # fmt: skip
    box = [
        _tool("bwrap"), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--hostname", "sandbox", "--info-fd", str(info_fd),
        "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64", *_bind_interpreter(prefix),
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(limits.scratch_mb << 20), "--tmpfs", "/tmp", "--chdir", "/tmp",
        "--remount-ro", "/",
    ]  # fmt: skip
    if os.geteuid() == 0:
        # bwrap run by root makes no user namespace, and a real uid of 0 is exempt from RLIMIT_NPROC, so the
        # code itself runs as a throwaway uid with no capabilities and no way to regain any (setuid bits ignored).
        drop = [
            _tool("setpriv"), f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
            "--inh-caps=-all", "--bounding-set=-all", "--",
            # A second, unprivileged bwrap over the same view, only to forbid new user namespaces (kernel surface).
            _tool("bwrap"), "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--bind", "/tmp", "/tmp",
            "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--",
        ]  # fmt: skip
    else:
        box[1:1] = ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        drop = []
    # -I: no PYTHON* variables, no user site, script folder not on the path; -S: no site-packages at all.
    return [*rlimits, *box, *drop, interpreter, "-I", "-S", "-B", "-"]


def _bind_interpreter(prefix: str) -> list[str]:
    """Mounts for the interpreter's prefix (its binary, libpython, stdlib), with its installed packages hidden."""
    site_packages = os.path.join(
        prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages"
    )
    hide = ["--tmpfs", site_packages] if os.path.isdir(site_packages) else []
    if prefix == "/usr" or prefix.startswith("/usr/"):
        return hide
    # bwrap makes missing parents 0700 (root's), which the throwaway uid could not cross.
    parents = []
    for depth in range(1, prefix.count("/")):
        parents += ["--perms", "0755", "--dir", "/".join(prefix.split("/")[: depth + 1])]
    return [*parents, "--ro-bind", prefix, prefix, *hide]


def _tool(name: str) -> str:
    return shutil.which(name) or name


def _run_isolated(code: str, timeout_seconds: float, memory_mb: int, limits: Limits) -> RunResult:
    uid = _UID_BASE + secrets.randbelow(_UID_SPAN)
    deadline = time.monotonic() + timeout_seconds
    info_read, info_write = os.pipe()
    try:
        process = subprocess.Popen(
            sandbox_command(timeout_seconds, memory_mb, limits, uid, info_write), pass_fds=(info_write,),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={}, cwd="/", start_new_session=True,
        )  # fmt: skip
    except BaseException:
        os.close(info_read)
        raise
    finally:
        os.close(info_write)
    streams = cast("tuple[IO[bytes], IO[bytes], IO[bytes]]", (process.stdin, process.stdout, process.stderr))
    info = bytearray()
    try:
        with open(info_read, "rb", buffering=0) as info_stream:
            head, tail, stopped = _exchange(process, streams, code.encode(), info_stream, info, deadline, limits)
    finally:
        _end(process, streams, info)
    output = head.decode(errors="replace")
    if stopped == "timeout":
        return RunResult(False, f"timed out after {timeout_seconds}s", output)
    if stopped == "output":
        return RunResult(False, f"output over {limits.output_bytes} bytes: stopped", output, output_truncated=True)
    if process.returncode != 0:
        lines = tail.decode(errors="replace").strip().splitlines()
        return RunResult(False, lines[-1][:300] if lines else f"exit code {process.returncode}", output)
    return RunResult(True, "", output)


def _end(process: subprocess.Popen, streams: tuple[IO[bytes], ...], info: bytearray) -> None:
    """Kill the namespace's init, which takes every process inside with it, then reap bwrap once all are gone.
    Stopped before bwrap has told its init's pid (a deadline hit while it still builds the sandbox), kill bwrap's
    whole process group: killed alone, bwrap leaves its half-made init waiting forever for a go-ahead."""
    if process.poll() is None:
        try:
            os.kill(json.loads(bytes(info))["child-pid"], signal.SIGKILL)
            # bwrap reaps init only after the kernel has killed and reaped every other process of the namespace.
            process.wait(10)
        except (ValueError, KeyError, ProcessLookupError, subprocess.TimeoutExpired):
            # start_new_session: bwrap leads the group its init is born into (killed before bwrap is reaped, so
            # the group's id cannot have passed to another process)
            _kill_group(process.pid)
            process.wait()
    for stream in streams:
        stream.close()


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _exchange(
    process: subprocess.Popen,
    streams: tuple[IO[bytes], IO[bytes], IO[bytes]],
    code: bytes,
    info_stream: IO[bytes],
    info: bytearray,
    deadline: float,
    limits: Limits,
) -> tuple[bytes, bytes, str | None]:
    """Feed the code, note bwrap's info, keep stdout's head and stderr's tail; stop at the deadline or output cap."""
    stdin, stdout, stderr = streams
    head, tail, total, pending = bytearray(), bytearray(), 0, memoryview(code)
    with selectors.DefaultSelector() as selector:
        os.set_blocking(stdin.fileno(), False)
        selector.register(stdin, selectors.EVENT_WRITE)
        selector.register(stdout, selectors.EVENT_READ, head)
        selector.register(stderr, selectors.EVENT_READ, tail)
        selector.register(info_stream, selectors.EVENT_READ, info)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(head), bytes(tail), "timeout"
            for key, _ in selector.select(remaining):
                if key.fileobj is stdin:
                    try:
                        pending = pending[os.write(key.fd, pending[: 1 << 16]) :]
                    except BrokenPipeError:
                        pending = pending[:0]
                    if not pending:
                        selector.unregister(stdin)
                        stdin.close()
                    continue
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                if key.data is info:
                    info += chunk
                    continue
                total += len(chunk)
                if key.data is head:
                    head += chunk[: max(0, limits.kept_bytes - len(head))]
                else:
                    tail += chunk
                    del tail[: max(0, len(tail) - limits.kept_bytes)]
                if total > limits.output_bytes:
                    return bytes(head), bytes(tail), "output"
    try:
        # Every pipe is closed, so the namespace's init is about to exit; wait no longer than the deadline.
        process.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return bytes(head), bytes(tail), "timeout"
    return bytes(head), bytes(tail), None
