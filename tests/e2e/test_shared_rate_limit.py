"""Two workers, one account: with `limits.account` their requests share one budget on the Prefect server, so
together they stay within the account's rate; without it each keeps its own, and together they exceed it."""

import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL

from tests.helpers.fake_anthropic import FakeAnthropic
from tests.integration.test_llm_engine import config

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_RPM = 240  # what the fake API accepts (4 a second); each worker is told 180, so two together send 360
ROWS = 10


def run_two_workers(tmp_path: Path, account: str | None) -> FakeAnthropic:
    limits = {"requests_per_minute": 180, "account": account}
    spec = config(["ok"], rows=ROWS, concurrency=4, max_concurrency=4, max_attempts=8, limits=limits)
    with FakeAnthropic(requests_per_minute=ACCOUNT_RPM) as fake:
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": "sk-test",
            "ANTHROPIC_BASE_URL": fake.url,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "PYTHONPATH": str(ROOT),
        }
        jobs, fifos = [], []
        for worker in ("a", "b"):
            folder = tmp_path / f"{account}-{worker}"
            folder.mkdir()
            # Each worker asks for other rows (another seed), so neither finds the other's answers in a cache.
            (folder / "config.json").write_text(spec.model_copy(update={"seed": ord(worker)}).model_dump_json())
            os.mkfifo(folder / "go")
            fifos.append(folder / "go")
            command = ["config.json", "cache.sqlite", "rows.json", "go"]
            jobs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.helpers.generation_job", *(str(folder / c) for c in command)],
                    env=env,
                    cwd=ROOT,
                )
            )
        with ExitStack() as stack:
            starts = [stack.enter_context(open(fifo, "w")) for fifo in fifos]  # each open waits for its worker
            for start in starts:
                start.write("go\n")
        assert [job.wait(timeout=240) for job in jobs] == [0, 0]
    return fake


@pytest.mark.usefixtures("prefect_api")
def test_workers_sharing_an_account_stay_within_its_rate_and_workers_on_their_own_do_not(tmp_path):
    alone = run_two_workers(tmp_path, account=None)
    assert alone.statuses["429_over_rate"] > 0, "two workers at 180 requests a minute each should overrun a 240 account"
    shared = run_two_workers(tmp_path, account="team-account")
    assert shared.statuses["429_over_rate"] == 0
    assert len(shared.requests) == 2 * ROWS
