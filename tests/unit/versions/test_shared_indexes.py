"""Index folders on a remote data root: a worker with an empty cache reads back the published index and the eval
index another worker built (its embedder never called), and builds on from the fullest snapshot."""

import uuid

import numpy as np
import pandas as pd

from schemas import records as col
from tasks.decontaminate.eval_index import cached_eval_index
from tasks.versions.shared_indexes import synced_published_index
from tasks.versions.shared_objects import SharedObjects
from tests.helpers.fake_embed import bag_of_words

TEXTS = ["Count cats up to 7 and say each number aloud.", "Name three rivers of Europe.", "Write a haiku about rain."]


def version(ids, texts):
    return lambda: pd.DataFrame({col.ID: ids, col.SOURCE: col.SOURCE_SYNTHETIC, "text": texts})


def text_of(frame):
    return frame["text"].tolist()


def counting(calls: list[int]):
    def embed(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return bag_of_words(texts)

    return embed


def test_a_worker_with_an_empty_cache_reads_the_published_index_back_and_adds_only_new_versions(tmp_path, monkeypatch):
    location = f"memory://root-{uuid.uuid4().hex}/tiny/.cache/published/model"
    versions = {"v1": version(["a", "b"], TEXTS[:2])}
    calls: list[int] = []
    monkeypatch.setenv("SYNTHFACTORY_CACHE", str(tmp_path / "a"))
    built = synced_published_index(location, versions, text_of, counting(calls))
    monkeypatch.setenv("SYNTHFACTORY_CACHE", str(tmp_path / "b"))
    read_back = synced_published_index(location, versions, text_of, counting(calls))
    assert calls == [2] and read_back.versions == ["v1"] and read_back.size == built.size == 2
    assert read_back.folder != built.folder and read_back.folder.is_relative_to(tmp_path / "b")
    versions["v2"] = version(["b", "c"], TEXTS[1:])
    monkeypatch.setenv("SYNTHFACTORY_CACHE", str(tmp_path / "c"))
    grown = synced_published_index(location, versions, text_of, counting(calls))
    assert calls == [2, 1] and grown.versions == ["v1", "v2"] and grown.size == 3  # only "c" embedded
    monkeypatch.setenv("SYNTHFACTORY_CACHE", str(tmp_path / "a"))  # a's own copy is behind: the fuller one wins
    caught_up = synced_published_index(location, versions, text_of, counting(calls))
    assert calls == [2, 1] and caught_up.versions == ["v1", "v2"] and caught_up.size == 3


def test_an_eval_index_built_on_one_worker_is_read_back_on_another(tmp_path):
    shared = SharedObjects(f"memory://root-{uuid.uuid4().hex}/tiny/.cache")
    ids, texts = ["e1", "e2"], ["What is the boiling point of water?", "Name the largest planet."]
    calls: list[int] = []
    built = cached_eval_index(ids, texts, counting(calls), tmp_path / "a", "fake", calibrate=False, shared=shared)
    again = cached_eval_index(ids, texts, counting(calls), tmp_path / "b", "fake", calibrate=False, shared=shared)
    assert len(calls) == 1 and np.array_equal(again.vectors, built.vectors) and again.ids == ids
    assert any((tmp_path / "b").rglob("items.json"))
