"""A Dask worker killed (SIGKILL) in the middle of a sharded LLM generate stage: the stage resumes on the worker
that replaces it, the shards that had finished are not run again, and the fake API is paid once per row."""

import os
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from distributed import Client, LocalCluster

from flows.build import build_dataset
from schemas.spec import load_spec
from tasks.generate.anthropic import plan_rows
from tasks.spec_inputs import load_real_rows
from tests.helpers.fake_anthropic import body_key
from tests.helpers.holding_anthropic import HoldingAnthropic
from tests.helpers.spec_factory import llm_generator, write_spec
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.usefixtures("prefect_api")

ROWS, SHARD_ROWS, ANSWERED = 20, 5, 12  # shards 0 and 1 finish, shard 2 gets two replies, then waits


def part_files(data_root: Path) -> dict[int, Path]:
    found = data_root.glob("tiny/.work/*/generate/parts/synthetic/*.parquet")
    return {int(path.stem): path for path in found}


def test_a_worker_killed_mid_stage_is_replaced_and_only_unfinished_shards_run_again(tmp_path, monkeypatch):
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
        max_concurrency=1,  # one request at a time: the held one is the only request in flight at the kill
    )
    spec_path = write_spec(tmp_path, generator=generator, **{"blend.max_synthetic_share": 0.9})
    spec = load_spec(str(spec_path))
    row_of = {
        body_key(p.request): n for n, p in enumerate(plan_rows(spec.generator, load_real_rows(spec).to_dict("records")))
    }
    data_root = tmp_path / "data"
    monkeypatch.setattr("flows.build.shutil", SimpleNamespace(rmtree=lambda *a, **k: None))  # keep the parts to read
    with HoldingAnthropic(ANSWERED) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)  # workers inherit the environment they start with
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            monkeypatch.setenv("SYNTHFACTORY_DASK_ADDRESS", cluster.scheduler_address)
            overrides = {"orchestration.task_runner": "dask", "orchestration.shard_rows": SHARD_ROWS}
            outcome: dict = {}
            build = threading.Thread(
                target=lambda: outcome.update(result=build_dataset(str(spec_path), str(data_root), overrides))
            )
            build.start()
            wait_until(lambda: len(fake.requests) > ANSWERED or not build.is_alive(), 240, "the third shard's requests")
            assert build.is_alive(), "the build ended before its third shard"
            finished = wait_until(lambda: len(part_files(data_root)) == 2 and part_files(data_root), 60, "two parts")
            written = {part: (path.stat().st_ino, path.stat().st_mtime_ns) for part, path in finished.items()}
            with Client(cluster) as client:
                (killed,) = client.run(os.getpid).values()
                fake.holding.clear()  # requests from here on are answered: the killed worker's one stays held
                os.kill(killed, signal.SIGKILL)
                build.join(timeout=280)
                assert not build.is_alive(), "the build did not finish after its worker was killed"
                (replacement,) = client.run(os.getpid).values()
        before = [row_of[body_key(body)] for body in fake.requests[:ANSWERED]]
        held = row_of[body_key(fake.requests[ANSWERED])]
        after = [row_of[body_key(body)] for body in fake.requests[ANSWERED + 1 :]]
    assert outcome["result"]["published"] and replacement != killed
    assert sorted(written) == [0, 1] and sorted(before[:10]) == list(range(10)) and 10 <= held < 15
    parts = part_files(data_root)
    assert sorted(parts) == [0, 1, 2, 3]
    # The finished shards were not run again (a shard that runs writes its part anew); shards 2 and 3 ran.
    assert {part: (parts[part].stat().st_ino, parts[part].stat().st_mtime_ns) for part in written} == written
    # After the kill only the rows of shard 2 it had no reply for, and shard 3's, were asked for: each once.
    assert sorted(after) == sorted(set(range(10, 20)) - set(before))
    assert max(fake.paid.values()) == 1 and sorted(row_of[key] for key in fake.paid) == list(range(ROWS))
    assert outcome["result"]["stages"]["generate"]["rows_out"]["synthetic"] == ROWS
