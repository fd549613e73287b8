"""Two workers on two "machines" (processes with their own cache and temp folders) that share only a remote data
root: worker A is killed in the middle of a sharded LLM generate stage, worker B starts with an empty cache and
reads every response A paid for from the data root, so the fake API's ledger shows each row paid exactly once.
While A builds, a third worker that may not wait is skipped by the `build-<dataset>` concurrency limit; B gets the
slot once the killed A's lease runs out (a real Prefect server, whose repossessor frees it; its database in SQLite
and in PostgreSQL)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.spec import load_spec
from tasks.generate.anthropic import plan_rows
from tasks.spec_inputs import load_real_rows
from tests.helpers.fake_anthropic import body_key
from tests.helpers.holding_anthropic import HoldingAnthropic
from tests.helpers.postgres import DATABASES, server_database
from tests.helpers.prefect_server import prefect_server
from tests.helpers.spec_factory import llm_generator, write_spec
from tests.helpers.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
ROWS, SHARD_ROWS, ANSWERED = 20, 5, 12  # A finishes shards 0 and 1 and gets two replies of shard 2


def start_worker(tmp_path: Path, name: str, spec_path: Path, data_root: str, overrides: dict, api: str):
    """A build in a process of its own: its own cache folder, temp folder and Prefect home, the shared API."""
    folders = {kind: tmp_path / name / kind for kind in ("cache", "tmp", "prefect")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    env = os.environ | {
        "SYNTHFACTORY_CACHE": str(folders["cache"]),
        "TMPDIR": str(folders["tmp"]),
        "PREFECT_HOME": str(folders["prefect"]),
        "PREFECT_API_URL": api,
        "PYTHONPATH": str(ROOT),
    }
    out = tmp_path / name / "result.json"
    command = [sys.executable, "-m", "tests.helpers.build_job", str(spec_path), data_root, json.dumps(overrides)]
    process = subprocess.Popen([*command, str(out)], cwd=ROOT, env=env)
    return process, out, folders["cache"]


@pytest.mark.timeout(900)  # three builds in processes of their own, and a dead build's lease (60 s) to run out
@pytest.mark.parametrize("database", DATABASES)
def test_a_worker_with_an_empty_cache_resumes_another_workers_build_and_pays_for_no_request_twice(
    tmp_path, monkeypatch, database
):
    generator = llm_generator(
        rows=ROWS,
        seed=3,
        prompt="topic={{ topic }} n={{ n }} mode=ok",
        samplers={
            "topic": {"type": "category", "values": {"tides": 1, "jazz": 1}},
            "n": {"type": "integer", "min": 1, "max": 10_000},
        },
        prices={"input": 3.0, "output": 15.0},
        concurrency=1,
        max_concurrency=1,
    )
    spec_path = write_spec(tmp_path, generator=generator, **{"blend.max_synthetic_share": 0.9})
    spec = load_spec(str(spec_path))
    row_of = {
        body_key(p.request): n for n, p in enumerate(plan_rows(spec.generator, load_real_rows(spec).to_dict("records")))
    }
    shared = tmp_path / "shared"
    data_root = f"simplecache::file://{shared}"  # not the local file system: the code treats it as remote
    overrides = {"orchestration.shard_rows": SHARD_ROWS, "publish.overlap_wait_minutes": 4}
    # A real server: its repossessor frees the slot of a build whose lease ran out (checked every 2 s here).
    repossess = {"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "2"}
    with (
        server_database(database) as stored_in,
        prefect_server(tmp_path / "server", settings=repossess | stored_in) as server,
        HoldingAnthropic(ANSWERED) as fake,
    ):
        api = server["PREFECT_API_URL"]
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        a, a_out, _ = start_worker(tmp_path, "a", spec_path, data_root, overrides, api)
        try:
            wait_until(lambda: fake.arrived > ANSWERED or a.poll() is not None, 240, "A's thirteenth request")
            assert a.poll() is None, "worker A ended before its third shard"
            skip = {**overrides, "publish.on_overlap": "skip"}
            c, c_out, _ = start_worker(tmp_path, "c", spec_path, data_root, skip, api)
            assert c.wait(timeout=240) == 0
        finally:
            a.kill()  # its machine is lost: the build's slot is freed when its lease runs out
            a.wait()
        paid_by_a = {row_of[key] for key in fake.paid}
        fake.holding.clear()  # from here on every request is answered
        stored = sorted(path.name for path in (shared / "tiny" / ".cache" / "requests").rglob("*.json"))
        sent_before_b = len(fake.requests)
        b, b_out, b_cache = start_worker(tmp_path, "b", spec_path, data_root, overrides, api)
        assert b.wait(timeout=400) == 0
        asked_by_b = [row_of[body_key(body)] for body in fake.requests[sent_before_b:]]
    assert "build-tiny" in json.loads(c_out.read_text())["skipped"] and not a_out.exists()
    assert len(paid_by_a) == ANSWERED and len(stored) == ANSWERED  # each response A received is on the data root
    result = json.loads(b_out.read_text())
    assert result["published"] and result["stages"]["generate"]["rows_out"]["synthetic"] == ROWS
    # B sent only the requests A never had answered, each once; A's answers came from the data root.
    assert sorted(asked_by_b) == sorted(set(range(ROWS)) - paid_by_a)
    assert max(fake.paid.values()) == 1 and sorted(row_of[key] for key in fake.paid) == list(range(ROWS))
    assert result["llm_requests"] == {"sent": ROWS - ANSWERED, "from_cache": ANSWERED}
    (b_requests,) = b_cache.rglob("requests.sqlite")  # B's own fast layer now holds every response
    with sqlite3.connect(b_requests) as db:
        assert db.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == ROWS
