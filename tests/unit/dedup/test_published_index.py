import faiss
import numpy as np
import pandas as pd

import tasks.dedup.published_index as published_index
from schemas import records as col
from tasks.dedup.published_index import PublishedIndex, sync_published
from tests.helpers.fake_embed import bag_of_words

TEXTS = ["Count cats up to 7 and say each number aloud.", "Name three rivers of Europe.", "Write a haiku about rain."]


def version(ids, texts):
    return lambda: pd.DataFrame({col.ID: ids, col.SOURCE: col.SOURCE_SYNTHETIC, "text": texts})


def text_of(frame):
    return frame["text"].tolist()


def test_new_rows_repeating_published_ones_are_found_and_the_same_rows_are_not(tmp_path):
    index = sync_published(PublishedIndex(tmp_path), {"v1": version(["a", "b", "c"], TEXTS)}, text_of, bag_of_words)
    candidates = ["a", "x", "y", "z", "w"]
    texts = [
        TEXTS[0],
        "name three rivers of europe",
        "Name three rivers of Europe please.",
        "Count cats up to 9 and say each number aloud.",
        "Sing a song.",
    ]
    # "up to 9" scores 0.35 against "up to 7": other numbers, another task
    found = index.duplicates(candidates, texts, bag_of_words(texts), threshold=0.8)
    assert [(f[0], f[1], f[2]) for f in found] == [(1, "b", "exact_duplicate"), (2, "b", "near_duplicate")]


def test_the_index_persists_and_each_version_is_added_once(tmp_path):
    calls = []

    def embed(texts):
        calls.append(len(texts))
        return bag_of_words(texts)

    versions = {"v1": version(["a", "b"], TEXTS[:2])}
    sync_published(PublishedIndex(tmp_path), versions, text_of, embed)
    versions["v2"] = version(["b", "c"], TEXTS[1:])  # "b" was published again: indexed once
    reopened = sync_published(PublishedIndex(tmp_path), versions, text_of, embed)
    assert calls == [2, 1] and reopened.size == 3 and reopened.versions == ["v1", "v2"]
    assert sync_published(PublishedIndex(tmp_path), versions, text_of, embed).size == 3 and calls == [2, 1]


def test_an_exact_index_that_outgrows_its_limit_becomes_hnsw(tmp_path, monkeypatch):
    monkeypatch.setattr(published_index, "EXACT_LIMIT", 40)
    monkeypatch.setattr("tasks.vectors.index.EXACT_LIMIT", 40)
    rng = np.random.default_rng(0)

    def embed(texts):
        vectors = rng.normal(size=(len(texts), 16)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    index = PublishedIndex(tmp_path)
    index.add("v1", [f"a{i}" for i in range(30)], [f"t{i}" for i in range(30)], embed)
    assert isinstance(index.index, faiss.IndexFlat)
    kept = index.index.reconstruct_n(0, 30)
    index.add("v2", [f"b{i}" for i in range(30)], [f"u{i}" for i in range(30)], embed)
    assert isinstance(index.index, faiss.IndexHNSWFlat) and index.index.ntotal == 60
    scores, positions = index.index.search(kept[:5], 1)
    assert positions[:, 0].tolist() == [0, 1, 2, 3, 4] and np.allclose(scores[:, 0], 1.0, atol=1e-5)
    assert isinstance(PublishedIndex(tmp_path).index, faiss.IndexHNSWFlat)


def test_a_torn_update_starts_again_from_the_versions(tmp_path):
    sync_published(PublishedIndex(tmp_path), {"v1": version(["a", "b"], TEXTS[:2])}, text_of, bag_of_words)
    pd.DataFrame({"id": ["a"], "version": ["v1"], "text": [TEXTS[0]]}).to_parquet(tmp_path / "rows.parquet")
    reopened = PublishedIndex(tmp_path)
    assert reopened.size == 0 and reopened.versions == []
    assert sync_published(reopened, {"v1": version(["a", "b"], TEXTS[:2])}, text_of, bag_of_words).size == 2
