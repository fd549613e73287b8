import faiss
import numpy as np

from tasks.vectors import index as vector_index
from tasks.vectors.index import build_index, load_index, neighbours_above, save_index, top_k


def unit(count, dims=16, seed=0):
    vectors = np.random.default_rng(seed).normal(size=(count, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_index_is_exact_below_the_limit_and_hnsw_above(monkeypatch, tmp_path):
    monkeypatch.setattr(vector_index, "EXACT_LIMIT", 50)
    small, large = build_index(unit(50)), build_index(unit(51))
    assert isinstance(small, faiss.IndexFlatIP) and isinstance(large, faiss.IndexHNSWFlat)
    save_index(large, tmp_path / "i.faiss")
    again = load_index(tmp_path / "i.faiss")
    assert isinstance(again, faiss.IndexHNSWFlat) and again.hnsw.efSearch == vector_index.HNSW_SEARCH_DEPTH


def test_both_kinds_find_the_same_near_neighbours(monkeypatch):
    vectors = unit(300)
    queries = vectors[:20] + 0.01 * unit(20, seed=1)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = build_index(vectors)
    monkeypatch.setattr(vector_index, "EXACT_LIMIT", 10)
    graph = build_index(vectors)
    assert (top_k(exact, queries, 1)[1][:, 0] == np.arange(20)).all()
    assert (top_k(graph, queries, 1)[1][:, 0] == np.arange(20)).all()
    for (p1, _), (p2, s2) in zip(neighbours_above(exact, queries, 0.9), neighbours_above(graph, queries, 0.9)):
        assert sorted(p1.tolist()) == sorted(p2.tolist()) and (s2 >= 0.9).all()


def test_the_neighbour_graph_above_its_exact_limit_finds_what_the_exact_one_does(monkeypatch):
    centres = unit(30, dims=32, seed=2)
    vectors = np.repeat(centres, 20, axis=0) + 0.2 * unit(600, dims=32, seed=3)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[::50] = vectors[1::50]  # planted twins: each other's nearest after themselves
    rows = np.arange(5, 600)
    exact_scores, exact = vector_index.neighbour_graph(vectors, 4, rows)
    monkeypatch.setattr(vector_index, "GRAPH_EXACT_LIMIT", 100)
    approximate_scores, approximate = vector_index.neighbour_graph(vectors, 4, rows)
    assert (exact[:, 0] == np.arange(len(rows))).all() or (exact_scores[:, 0] > 0.999).all()
    twins = np.flatnonzero(np.isin(rows, np.arange(50, 600, 50)))
    assert (approximate[twins, 1] == exact[twins, 1]).all() or (approximate_scores[twins, 1] > 0.999).all()
    agree = np.mean([len(set(a) & set(e)) / 4 for a, e in zip(approximate, exact)])
    assert agree > 0.9
    assert np.allclose(np.sort(approximate_scores, axis=1)[:, ::-1], approximate_scores)  # rescored exactly, best first
    found = approximate_scores[approximate >= 0]
    assert np.allclose(
        found,
        np.einsum(
            "ij,ij->i", vectors[rows[np.nonzero(approximate >= 0)[0]]], vectors[rows[approximate[approximate >= 0]]]
        ),
        atol=1e-5,
    )


def test_float16_vectors_are_held_as_they_are_and_computed_on_in_float32(monkeypatch):
    monkeypatch.setattr(vector_index, "GRAPH_EXACT_LIMIT", 100)
    held = unit(400, dims=32, seed=4).astype(np.float16)
    assert vector_index.as_vectors(held) is held
    assert vector_index.as_vectors(held[:, :3].astype(int)).dtype == np.float32
    half_scores, half = vector_index.neighbour_graph(held, 4)
    full_scores, full = vector_index.neighbour_graph(held.astype(np.float32), 4)
    assert np.array_equal(half, full) and np.array_equal(half_scores, full_scores)  # float16 sums would differ


def test_the_graph_searched_block_by_block_in_a_saved_index_is_the_graph_searched_at_once(monkeypatch, tmp_path):
    vectors = unit(400, dims=32, seed=4)
    rows = np.arange(3, 400)
    for limit in (10_000, 100):  # exact, then IVF
        monkeypatch.setattr(vector_index, "GRAPH_EXACT_LIMIT", limit)
        whole = vector_index.neighbour_graph(vectors, 6, rows)
        save_index(vector_index.graph_index(vectors, rows), tmp_path / "graph.faiss")
        index = load_index(tmp_path / "graph.faiss")
        parts = [
            vector_index.graph_rows(index, vectors, rows, np.arange(s, min(s + 70, len(rows))), 6)
            for s in (0, 70, 140, 210, 280, 350)
        ]
        assert np.array_equal(np.vstack([p[1] for p in parts]), whole[1])
        assert np.array_equal(np.vstack([p[0] for p in parts]), whole[0])
