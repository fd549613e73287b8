"""Write-once objects on a data root: two writers racing on one key keep one answer, and a torn or corrupt
object is never served (it is fetched again and written anew)."""

import json
import uuid

import numpy as np
import pytest

from tasks.embeddings.cache import EmbeddingCache
from tasks.llm.request_cache import RequestCache, request_key
from tasks.versions.shared_objects import SharedObjects, fanned, split_location
from tests.helpers.fake_embed import bag_of_words

REQUEST = {"model": "m", "messages": [{"role": "user", "content": "topic=tides"}]}


def message(text: str) -> dict:
    return {"id": text, "model": "m", "content": [{"type": "text", "text": text}], "usage": {"output_tokens": 3}}


@pytest.fixture(params=["memory", "file"])
def shared_url(request, tmp_path) -> str:
    """A store that can only put whole objects (memory) and one that stages and renames (a local folder)."""
    return f"memory://shared-{uuid.uuid4().hex}/.cache" if request.param == "memory" else str(tmp_path / ".cache")


def test_two_writers_racing_on_one_key_store_one_answer_that_both_keep(tmp_path, shared_url):
    key = request_key(REQUEST)
    first = RequestCache(tmp_path / "a.sqlite", SharedObjects(shared_url))
    second = RequestCache(tmp_path / "b.sqlite", SharedObjects(shared_url))
    assert first.get(key) is None and second.get(key) is None  # both missed: both ask the API
    objects = first.shared
    assert objects is not None
    write = objects.fs.pipe_file

    def second_wins_meanwhile(path, data, *args, **kwargs):
        # The second worker stores its answer between the first's check and the first's write.
        objects.fs.pipe_file = write
        second.put(key, message("from b"), cost_usd=0.5)
        write(path, data, *args, **kwargs)

    objects.fs.pipe_file = second_wins_meanwhile
    try:
        first.put(key, message("from a"), cost_usd=0.5)
    finally:
        objects.fs.pipe_file = write
    stored = json.loads(objects.read(fanned("requests", key, ".json")) or b"{}")
    assert stored["response"]["id"] == "from b" and stored["ledger"]["cost_usd"] == 0.5
    assert first.get(key)["id"] == second.get(key)["id"] == "from b"
    third = RequestCache(tmp_path / "c.sqlite", SharedObjects(shared_url))
    assert third.get(key)["id"] == "from b" and third.shared_hits == 1
    assert not [name for name in objects.names("requests") if not name.endswith(".json")]


@pytest.mark.parametrize(
    "damage", [lambda data: data[: len(data) // 2], lambda data: data.replace(b"from a", b"edited")]
)
def test_a_torn_or_edited_response_is_never_served_but_fetched_again_and_replaced(tmp_path, shared_url, damage):
    key = request_key(REQUEST)
    writer = RequestCache(tmp_path / "a.sqlite", SharedObjects(shared_url))
    writer.put(key, message("from a"))
    objects = SharedObjects(shared_url)
    name = fanned("requests", key, ".json")
    objects.fs.pipe_file(objects.path(name), damage(objects.fs.cat_file(objects.path(name))))
    reader = RequestCache(tmp_path / "b.sqlite", SharedObjects(shared_url))
    sent: list[dict] = []
    response = reader.fetch(REQUEST, lambda request: sent.append(request) or message("from b"))
    assert response["id"] == "from b" and sent == [REQUEST] and reader.shared_hits == 0
    assert RequestCache(tmp_path / "c.sqlite", SharedObjects(shared_url)).get(key)["id"] == "from b"


def test_a_worker_with_an_empty_cache_reads_vectors_another_embedded(tmp_path, shared_url):
    texts = ["tides rise twice a day", "jazz began in new orleans", "tides rise twice a day"]
    calls: list[int] = []

    def embed(batch: list[str]) -> np.ndarray:
        calls.append(len(batch))
        return bag_of_words(batch) + len(calls)  # a second embedding would differ: it must not happen

    first = EmbeddingCache(tmp_path / "a.sqlite", embed, "fake", shared=SharedObjects(shared_url))
    vectors = first(texts)
    second = EmbeddingCache(tmp_path / "b.sqlite", embed, "fake", shared=SharedObjects(shared_url))
    assert np.array_equal(second(texts), vectors) and calls == [2] and second.shared_hits == 2
    objects = SharedObjects(shared_url)
    (name,) = objects.names("vectors")
    objects.fs.pipe_file(objects.path(name), objects.fs.cat_file(objects.path(name))[:-7])  # torn
    third = EmbeddingCache(tmp_path / "c.sqlite", embed, "fake", shared=SharedObjects(shared_url))
    assert not np.array_equal(third(texts), vectors) and calls == [2, 2] and third.shared_hits == 0


def test_a_remote_location_resolves_to_this_workers_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTHFACTORY_CACHE", str(tmp_path / "worker"))
    local, shared = split_location("simplecache::file:///data/root/ds/.cache/published/abc")
    assert shared is not None and shared.url == "simplecache::file:///data/root/ds/.cache"
    assert local.parent.parent.parent == tmp_path / "worker" / "data-roots" and local.parts[-2:] == ("published", "abc")
    assert split_location(str(tmp_path / "ds" / ".cache" / "requests.sqlite")) == (
        tmp_path / "ds" / ".cache" / "requests.sqlite",
        None,
    )
