"""Shards: ranges that cover every row once, folders read back in order, a template range equal to that slice of the
whole, and cache keys per shard, so a retried run redoes only the shards whose input changed or failed."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from schemas import records as col
from schemas.spec import load_spec
from tasks.generate.templates import generate_from_templates
from tasks.shards import even_ranges, even_size, shard_files, shard_ranges, table_rows, write_shards
from tasks.stage_cache import stage_cache_key
from tasks.stage_shards import decontaminate_shards, generate_shards, verify_shard
from tasks.tables import read_parquet
from tests.helpers.spec_factory import write_spec


def rows(count: int) -> pd.DataFrame:
    blank = dict.fromkeys(col.ROW_SCHEMA.names)
    return pd.DataFrame([blank | {col.ID: f"r{i}", col.INSTRUCTION: f"task {i}", col.SOURCE: "synthetic"}
                         for i in range(count)])  # fmt: skip


@pytest.mark.parametrize(("total", "size", "expected"), [(7, 3, [(0, 3), (3, 6), (6, 7)]), (6, 3, [(0, 3), (3, 6)]),
                                                          (0, 3, [(0, 0)]), (2, 5, [(0, 2)])])  # fmt: skip
def test_shard_ranges_cover_every_row_once(total, size, expected):
    assert shard_ranges(total, size) == expected


@pytest.mark.parametrize(
    ("total", "most", "expected"),
    [
        (84, 10, [(0, 8), (8, 16), (16, 25), (25, 33), (33, 42), (42, 50), (50, 58), (58, 67), (67, 75), (75, 84)]),
        (20, 10, [(0, 10), (10, 20)]),
        (21, 10, [(0, 5), (5, 10), (10, 15), (15, 21)]),  # three blocks would leave a worker one alone
        (10, 10, [(0, 10)]),
        (0, 10, []),
    ],
)
def test_even_ranges_split_in_equal_parts_for_two_workers(total, most, expected):
    assert even_ranges(total, most) == expected
    assert even_size(total, most) == max((b - a for a, b in expected), default=most)


def test_a_folder_of_shards_reads_back_in_row_order(tmp_path):
    frame = rows(23)
    folder = write_shards(frame, tmp_path / "synthetic", 5, col.ROW_SCHEMA)
    assert [p.rsplit("/", 1)[1] for p in shard_files(folder)] == [f"0000{i}.parquet" for i in range(5)]
    assert read_parquet(folder)[col.ID].tolist() == frame[col.ID].tolist() and table_rows(folder) == 23
    write_shards(frame.head(4), folder, 5, col.ROW_SCHEMA)  # a rewrite leaves no stale shard behind
    assert table_rows(folder) == 4 and len(shard_files(folder)) == 1


def test_template_ranges_give_the_rows_of_the_whole(tmp_path):
    spec = load_spec(str(write_spec(tmp_path, **{"generator.rows": 10})), {"orchestration.shard_rows": 4})
    whole, _ = generate_from_templates(spec.generator, [])
    pieces = [generate_from_templates(spec.generator, [], start, stop)[0] for _, start, stop in generate_shards(spec)]
    assert [(p, a, b) for p, a, b in generate_shards(spec)] == [(0, 0, 4), (1, 4, 8), (2, 8, 10)]
    assert [row for piece in pieces for row in piece] == whole


def test_decontaminate_shards_number_parts_across_synthetic_and_real(tmp_path):
    synthetic = write_shards(rows(7), tmp_path / "synthetic", 3, col.ROW_SCHEMA)
    real = write_shards(rows(2), tmp_path / "real", 3, col.ROW_SCHEMA)
    assert [(name, part) for name, part, _ in decontaminate_shards(synthetic, real)] == [
        ("synthetic", 0), ("synthetic", 1), ("synthetic", 2), ("real", 3)
    ]  # fmt: skip


def test_each_shard_has_its_own_cache_key_by_content(tmp_path):
    spec = load_spec(str(write_spec(tmp_path)))
    first, second = (write_shards(rows(4), tmp_path / name, 2, col.ROW_SCHEMA) for name in ("a", "b"))
    context = SimpleNamespace(task=verify_shard)

    def key(path: str) -> str:
        return stage_cache_key(context, {"spec": spec, "work_dir": "w", "shard_path": path})

    keys = [key(p) for p in shard_files(first)]
    assert len(set(keys)) == 2 and keys == [key(p) for p in shard_files(first)]
    write_shards(rows(3), first, 2, col.ROW_SCHEMA)  # shard 1 now holds other rows, shard 0 the same
    assert [key(p) for p in shard_files(first)] == [keys[0], key(shard_files(first)[1])] != keys
    assert key(shard_files(second)[0]) != keys[0]  # same rows, another shard's file: its own result


def test_a_cache_key_changes_with_the_code_a_stage_calls_and_the_files_it_reads(tmp_path, monkeypatch):
    from tasks import stage_cache

    assert stage_cache.ROOT / "tasks/similarity/pair_model.json" in stage_cache.code_files()
    context = SimpleNamespace(task=SimpleNamespace(name="dedup", fn=test_shard_ranges_cover_every_row_once))
    before = stage_cache_key(context, {"x": 1})
    package = tmp_path / "tasks"
    package.mkdir()
    (package / "pair_model.json").write_text('{"intercept": 1.0}')
    monkeypatch.setattr(stage_cache, "ROOT", tmp_path)
    stage_cache.code_digest.cache_clear()
    changed = stage_cache_key(context, {"x": 1})
    (package / "pair_model.json").write_text('{"intercept": 2.0}')
    stage_cache.code_digest.cache_clear()
    assert len({before, changed, stage_cache_key(context, {"x": 1})}) == 3
    stage_cache.code_digest.cache_clear()


def test_an_online_llm_generator_is_sharded_and_one_with_a_budget_or_batches_is_not(tmp_path):
    from tasks.generate.anthropic import plan_rows
    from tests.helpers.spec_factory import llm_generator

    online = llm_generator(rows=10, prices={"input": 1.0, "output": 1.0}, prompt="n={{ n }}")
    online["samplers"] = {"n": {"type": "integer", "min": 1, "max": 99}}
    spec = load_spec(str(write_spec(tmp_path, generator=online)), {"orchestration.shard_rows": 4})
    assert generate_shards(spec) == [(0, 0, 4), (1, 4, 8), (2, 8, 10)]
    whole = [p.request for p in plan_rows(spec.generator, [])]
    assert [
        p.request for _, a, b in generate_shards(spec) for p in plan_rows(spec.generator, [], start=a, stop=b)
    ] == whole
    for extra in ({"budget": {"max_usd": 1.0}}, {"mode": "batch"}):
        one = load_spec(str(write_spec(tmp_path, generator={**online, **extra})), {"orchestration.shard_rows": 4})
        assert generate_shards(one) == [(0, 0, 10)]


def test_the_llm_shards_summaries_add_up():
    from tasks.stage_result import merge_llm_summaries

    first = {"requests": 3, "spent_usd": 0.5, "tokens": {"input": 10}, "concurrency": 2.0, "budget": None}
    second = {"requests": 2, "spent_usd": 0.25, "tokens": {"input": 5, "output": 1}, "concurrency": 3.0, "budget": None}
    merged = merge_llm_summaries([first, second])
    assert merged == {
        "requests": 5, "spent_usd": 0.75, "tokens": {"input": 15, "output": 1}, "concurrency": 2.0, "budget": None
    }  # fmt: skip
    assert merge_llm_summaries([]) == {}


def test_an_array_parameter_is_keyed_by_every_value_not_its_elided_str():
    # str() of a long array shows its ends only: two plans that differ in the middle must not share a key
    from tasks.stage_shards import blend_shard

    context = SimpleNamespace(task=blend_shard)
    first, second = np.arange(5000), np.arange(5000)
    second[2500] = -1
    assert str(first) == str(second)
    assert stage_cache_key(context, {"kept": first}) != stage_cache_key(context, {"kept": second})
    assert stage_cache_key(context, {"kept": first}) == stage_cache_key(context, {"kept": np.arange(5000)})
    assert stage_cache_key(context, {"kept": first}) != stage_cache_key(context, {"kept": first.astype(np.int32)})


def test_a_blend_shard_is_keyed_by_the_rows_it_keeps_and_the_counts_not_the_whole_order(tmp_path):
    from tasks.blend.shards import BlendCounts, BlendPlan
    from tasks.stage_shards import blend_shard

    spec = load_spec(str(write_spec(tmp_path)))
    context = SimpleNamespace(task=blend_shard)
    plan = BlendPlan(cap=3, order=np.array([2, 0, 1]), shards=[(0, "a", np.array([0, 1])), (1, "b", np.array([4]))])
    assert plan.counts == BlendCounts(cap=3, kept=3, blended=3)

    def key(counts: BlendCounts, shard) -> str:
        return stage_cache_key(context, {"spec": spec, "work_dir": "w", "counts": counts, "shard": shard})

    assert key(plan.counts, plan.shards[0]) == key(
        BlendPlan(3, np.array([0, 2, 1]), plan.shards).counts, plan.shards[0]
    )
    other_rows = (0, "a", np.array([0, 2]))
    assert len({key(plan.counts, plan.shards[0]), key(plan.counts, other_rows), key(plan.counts, plan.shards[1]),
                key(BlendCounts(4, 3, 3), plan.shards[0])}) == 4  # fmt: skip
