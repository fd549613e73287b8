"""A real Prefect server (and, when asked, the project's deployments and a worker) in subprocesses, started the way
`make serve` starts them (flows/serve.py), for the tests that need the server's own services."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect.settings import PREFECT_API_URL, temporary_settings

from flows import serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def prefect_server(
    home: Path, deploy: bool = False, worker: bool = False, settings: dict[str, str] | None = None
) -> Iterator[dict[str, str]]:
    """The server's environment while it runs (PREFECT_API_URL pointing at it in this process too); stopped after."""
    port = free_port()
    env = {**serve.server_env(port, home), **(settings or {})}
    process = serve.start_server(port, env)
    started = None
    try:
        if deploy:
            serve.deploy(env)
        if worker:
            started = serve.start_worker(env)
        with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
            yield env
    finally:
        if started:
            serve.stop(started)
        serve.stop(process)
