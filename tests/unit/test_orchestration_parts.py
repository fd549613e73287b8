import threading

import pandas as pd
import pytest

from schemas import records as col
from schemas.spec import SpecError, load_spec
from tasks.llm.request_cache import RequestCache
from tasks.publish.approval_sample import approval_markdown
from tasks.versions.lock import BuildLocked, build_lock
from tasks.versions.store import VersionStore
from tests.helpers.spec_factory import write_spec


def test_overrides_set_dotted_fields_and_bad_ones_are_named(tmp_path):
    path = write_spec(tmp_path)
    assert load_spec(path, {"generator.rows": 50, "blend.seed": 3}).generator.rows == 50
    with pytest.raises(SpecError, match="generator.rows"):
        load_spec(path, {"generator.rows": "lots"})


def test_a_second_build_of_the_same_dataset_waits_then_gives_up(tmp_path):
    store = VersionStore(str(tmp_path), "ds")
    with (
        build_lock(store, "run-1", wait_seconds=0),
        pytest.raises(BuildLocked, match="run-1"),
        build_lock(store, "run-2", wait_seconds=0.2),
    ):
        pass
    with build_lock(store, "run-3", wait_seconds=0):
        pass


def test_a_waiting_build_gets_the_lock_when_the_first_ends(tmp_path):
    store = VersionStore(str(tmp_path), "ds")
    first_holds, release = threading.Event(), threading.Event()

    def first():
        with build_lock(store, "run-1", 0):
            first_holds.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait(5)
    release.set()
    with build_lock(store, "run-2", wait_seconds=10):
        pass
    thread.join()


def test_request_cache_sends_each_request_once_and_survives_reopening(tmp_path):
    sent = []

    def send(request):
        sent.append(request)
        return {"content": [{"type": "text", "text": request["prompt"].upper()}]}

    cache = RequestCache(tmp_path / "requests.sqlite")
    assert cache.fetch({"prompt": "hi"}, send, salt=1)["content"][0]["text"] == "HI"
    cache.fetch({"prompt": "hi"}, send, salt=1)
    cache.fetch({"prompt": "hi"}, send, salt=2)
    cache.close()
    reopened = RequestCache(tmp_path / "requests.sqlite")
    reopened.fetch({"prompt": "hi"}, send, salt=1)
    assert len(sent) == 2 and len(reopened) == 2 and reopened.hits == 1


def test_approval_sample_covers_every_group_and_reason():
    data = pd.DataFrame(
        {
            col.SOURCE: ["real", "synthetic", "synthetic"],
            col.CATEGORY: ["a", "b", "b"],
            col.INSTRUCTION: ["x", "y", "z"],
            col.OUTPUT: ["1", "2", "3"],
        }
    )
    quarantine = pd.DataFrame(
        {col.REASON: ["pii_email", "near_duplicate"], col.INSTRUCTION: ["p", "q"], col.DETAIL: ["found", "dup"]}
    )
    text = approval_markdown(data, quarantine, per_group=1)
    assert "real/a" in text and "synthetic/b" in text and "pii_email" in text and "near_duplicate" in text
