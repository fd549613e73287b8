import numpy as np
import pandas as pd
import pytest

from tasks.embeddings.row_vectors import VectorsByText, embed_ranges, read_range, read_vectors, save_vectors


def test_shard_arrays_are_read_end_to_end_and_must_cover_every_row(tmp_path):
    first = {"path": save_vectors(np.ones((2, 3)), tmp_path / "00000.npy"), "rows": 2}
    second = {"path": save_vectors(np.zeros((1, 3)), tmp_path / "00001.npy"), "rows": 1}
    vectors = read_vectors([first, second], 3)
    assert vectors.dtype == np.float32 and vectors.tolist() == [[1, 1, 1], [1, 1, 1], [0, 0, 0]]
    with pytest.raises(ValueError, match="3 vectors in 2 shard arrays for 4 rows"):
        read_vectors([first, second], 4)
    assert not list(tmp_path.glob("*.partial.npy"))


def test_a_text_gets_the_vector_of_its_first_row_and_repeated_texts_are_named():
    vectors = np.arange(8, dtype=np.float32).reshape(4, 2)
    rows = VectorsByText(["a", "b", "a", "c"], vectors)
    assert rows(["c", "a"]).tolist() == [[6, 7], [0, 1]]
    texts, held = rows.repeated_vectors()
    assert texts == ["a"] and held.tolist() == [[0, 1]]
    with pytest.raises(KeyError):
        rows(["never embedded"])
    with pytest.raises(ValueError):
        VectorsByText(["a"], vectors)


def test_embed_ranges_cover_a_table_in_fixed_rows_whatever_its_shards(tmp_path):
    frame = pd.DataFrame({"n": range(10)})
    for part, (start, stop) in enumerate([(0, 3), (3, 4), (4, 10)]):
        frame.iloc[start:stop].to_parquet(tmp_path / f"{part:05d}.parquet")
    ranges = embed_ranges(str(tmp_path), rows=4)
    assert [(len(files), skip, rows) for files, skip, rows in ranges] == [(2, 0, 4), (1, 0, 4), (1, 4, 2)]
    assert [read_range(*r)["n"].tolist() for r in ranges] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    empty = tmp_path / "empty.parquet"
    frame.iloc[0:0].to_parquet(empty)
    assert [read_range(*r).columns.tolist() for r in embed_ranges(str(empty))] == [["n"]]


def test_shard_arrays_are_read_in_a_given_order(tmp_path):
    first = {"path": save_vectors(np.arange(6).reshape(3, 2), tmp_path / "00000.npy"), "rows": 3}
    second = {"path": save_vectors(np.arange(6, 10).reshape(2, 2), tmp_path / "00001.npy"), "rows": 2}
    order = np.array([4, 0, 3, 1, 2])
    in_order = read_vectors([first, second], 5, order)
    assert in_order.tolist() == read_vectors([first, second], 5)[order].tolist()
    assert in_order.tolist() == [[8, 9], [0, 1], [6, 7], [2, 3], [4, 5]]
    empty = {"path": save_vectors(np.zeros((0, 2)), tmp_path / "00002.npy"), "rows": 0}
    assert read_vectors([empty], 0).shape == (0, 2) and read_vectors([], 0).shape == (0, 384)
    for wrong in ([0, 1, 2, 3, 3], [4, 0, 3, 1], [0, 0, 1, 2, 3]):
        with pytest.raises(ValueError, match="not a permutation of 5 rows"):
            read_vectors([first, second], 5, np.array(wrong))
    swapped = [dict(first, rows=2), dict(second, rows=3)]
    with pytest.raises(ValueError, match="00000.npy: \\(3, 2\\) vectors, declared \\(2, 2\\)"):
        read_vectors(swapped, 5)
    texts = ["a", "b", "a", "c", "d"]
    held = VectorsByText.from_shards(texts, [first, second], order)
    assert held.vectors.dtype == np.float16 and held(["c", "a"]).tolist() == [[2, 3], [8, 9]]
    assert held(["c", "a"]).dtype == np.float32 and held([]).shape == (0, 2)  # handed out as float32
