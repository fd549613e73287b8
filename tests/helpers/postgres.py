"""A throwaway PostgreSQL server for the tests that run Prefect's server on PostgreSQL, as docker-compose.yml does:
Debian's postgresql package (.ci/run installs it), a cluster of its own in a temporary folder, trusted on loopback,
stopped and removed after."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from tests.helpers.prefect_server import free_port

DATABASE_URL = "PREFECT_SERVER_DATABASE_CONNECTION_URL"


def postgres_bin() -> Path | None:
    """The folder of initdb, pg_ctl and createdb: Debian keeps them under /usr/lib/postgresql/<major>/bin (its
    createdb on PATH is a wrapper that wants a cluster of its own)."""
    found = shutil.which("pg_ctl") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)), None
    )
    return Path(found).resolve().parent if found else None


def require_postgres() -> Path:
    """postgres_bin(), else a skip on a developer's machine and a failure in CI, which must run these tests."""
    found = postgres_bin()
    if found is None:
        message = "PostgreSQL is not installed (.ci/run installs Debian's postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def postgres_database() -> Iterator[str]:
    """The SQLAlchemy URL of the database `prefect` on a new server on 127.0.0.1."""
    bin_dir = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="synthfactory-postgres-"))
    owner: list[str] = []
    data, port = folder / "data", free_port()

    def as_owner(*command, check: bool = True) -> None:
        done = subprocess.run([*owner, *command], capture_output=True)
        if check and done.returncode:
            raise RuntimeError(failure(Path(command[0]).name, done, folder / "server.log"))

    try:
        if os.geteuid() == 0:  # initdb refuses to run as root: the cluster belongs to the postgres user
            owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        as_owner(bin_dir / "initdb", "-D", data, "--auth=trust", "--username=prefect", "--encoding=UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        as_owner(bin_dir / "pg_ctl", "-D", data, "-l", folder / "server.log", "-o", options, "-w", "start")
        as_owner(bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "prefect", "prefect")
        yield f"postgresql+asyncpg://prefect@127.0.0.1:{port}/prefect"
    finally:
        try:
            if data.exists():
                as_owner(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def failure(program: str, done: subprocess.CompletedProcess, log: Path) -> str:
    """What a PostgreSQL program that failed said, and the end of the server's log (removed with its folder after)."""
    said = [done.stderr.decode(errors="replace").strip()]
    if log.exists():
        said.append(f"server.log: {log.read_text(errors='replace')[-2000:].strip()}")
    return f"{program} exited {done.returncode}: " + "\n".join(part for part in said if part)


DATABASES = ["sqlite", "postgresql"]  # make serve's, docker-compose.yml's


@contextmanager
def server_database(kind: str) -> Iterator[dict[str, str]]:
    """The settings that keep a Prefect server's database in `kind`: none for SQLite (a file in PREFECT_HOME), the
    URL of a new PostgreSQL database for postgresql."""
    if kind == "sqlite":
        yield {}
    else:
        with postgres_database() as url:
            yield {DATABASE_URL: url}


def flow_run_state(url: str, run_id) -> str | None:
    """The state type the database itself holds for a flow run (None: no such row), read with asyncpg."""

    async def read() -> str | None:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return await connection.fetchval("SELECT state_type FROM flow_run WHERE id = $1", run_id)
        finally:
            await connection.close()

    return asyncio.run(read())
