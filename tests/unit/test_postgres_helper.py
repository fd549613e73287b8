"""The throwaway PostgreSQL of the e2e tests says why it did not start (its log is removed with its folder)."""

import subprocess
from pathlib import Path

import pytest

import tests.helpers.postgres as postgres


def test_a_server_that_does_not_start_says_why_before_its_folder_is_removed(monkeypatch):
    def run(command, capture_output, check=False):
        if command[-1] != "start":
            return subprocess.CompletedProcess(command, 0, b"", b"")
        Path(command[command.index("-l") + 1]).write_text(
            'LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\n'
        )
        done = subprocess.CompletedProcess(command, 1, b"", b"pg_ctl: could not start server\n")
        if check:
            done.check_returncode()
        return done

    monkeypatch.setattr(postgres, "require_postgres", lambda: Path("/usr/lib/postgresql/15/bin"))
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)  # the cluster is this user's: no runuser
    monkeypatch.setattr(postgres.subprocess, "run", run)
    monkeypatch.setattr(postgres, "free_port", lambda: 5432)  # nothing listens: run is faked
    with pytest.raises(RuntimeError) as raised, postgres.postgres_database():
        pass
    assert "pg_ctl exited 1: pg_ctl: could not start server" in str(raised.value)
    assert "Address already in use" in str(raised.value)
