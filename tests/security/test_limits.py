"""Small inputs that asked for unbounded work (issue 17) are refused, or bounded, before they cost anything."""

import json
import time

import pandas as pd

from schemas import records as col
from schemas.spec import load_spec
from schemas.spec_generators import MAX_ROWS
from schemas.spec_yaml import MAX_SPEC_BYTES
from tasks.decontaminate.chunking import MAX_CHUNK_CHARS, MAX_ITEM_CHARS, MAX_SENTENCE_CHUNKS, chunks
from tasks.decontaminate.eval_index import build_eval_index
from tasks.verify.expectations import apply_gates
from tasks.verify.spec_expectations import gate_expectations
from tests.helpers.bad_input import refused_build
from tests.helpers.fake_embed import bag_of_words
from tests.helpers.spec_factory import write_spec

ALIAS_BOMB = """
gates:
  expectations:
    - type: expect_column_values_to_not_be_null
      kwargs: {column: id}
      meta:
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_a_yaml_alias_bomb_fails_at_once(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("blend:", ALIAS_BOMB.strip() + "\nblend:"))
    assert len(ALIAS_BOMB) < 1400
    started = time.monotonic()
    line = refused_build(spec, tmp_path / "out")
    assert time.monotonic() - started < 5  # resolving it took more than 300 s
    anchor_line = (
        spec.read_text()
        .splitlines()
        .index('        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
        + 1
    )
    assert line == (f"error: {spec}: line {anchor_line}: YAML anchor &a is not allowed in a spec; write the value out")


def test_an_alias_alone_is_refused(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text() + "orchestration: *nothing\n")
    assert "YAML alias *nothing is not allowed in a spec" in refused_build(spec, tmp_path / "out")


def test_a_spec_over_the_size_limit_is_refused(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text() + "#" * MAX_SPEC_BYTES + "\n")
    assert refused_build(spec, tmp_path / "out") == (
        f"error: {spec}: larger than the {MAX_SPEC_BYTES:,} bytes a spec may have"
    )


def test_rows_are_bounded(tmp_path):
    spec = write_spec(tmp_path, **{"generator.rows": 10**12})
    assert refused_build(spec, tmp_path / "out") == (
        f"error: {spec}: generator.rows: Input should be less than or equal to {MAX_ROWS}"
    )
    assert load_spec(write_spec(tmp_path, **{"generator.rows": MAX_ROWS})).generator.rows == MAX_ROWS


def test_rows_as_a_float_are_refused(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("rows: 6", "rows: 1.0e+12"))
    assert refused_build(spec, tmp_path / "out") == (f"error: {spec}: generator.rows: Input should be a valid integer")


def test_a_seed_row_longer_than_a_record_allows_is_named(tmp_path):
    spec = write_spec(tmp_path)
    rows = [{"id": f"s{i}", "instruction": f"Real task number {i} here", "output": "ok"} for i in range(3)]
    rows[1]["output"] = "x" * (col.MAX_CHARS[col.OUTPUT] + 1)
    (tmp_path / "seeds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert refused_build(spec, tmp_path / "out").endswith(
        f"seeds.jsonl row 2: output has 8,001 characters, more than the {col.MAX_CHARS[col.OUTPUT]:,} a record allows"
    )


def test_generated_text_longer_than_a_record_allows_is_quarantined(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    rows = pd.DataFrame(
        {
            col.ID: ["a", "b", "c"],
            col.INSTRUCTION: ["Explain the tides please.", "Explain the moon please.", "x" * 2001],
            col.INPUT: ["", "y" * (col.MAX_CHARS[col.INPUT] + 1), ""],
            col.OUTPUT: ["ok", "ok", "ok"],
            col.CATEGORY: ["c", "c", "c"],
        }
    )
    gated = apply_gates(rows, gate_expectations(spec))
    assert gated.accepted[col.ID].tolist() == ["a"]
    reasons = dict(zip(gated.quarantined[col.ID], gated.quarantined["reason"]))
    assert reasons == {"b": "gx_input_length", "c": "gx_instruction_length"}


def test_a_huge_eval_item_is_chunked_and_capped(tmp_path):
    sentences = [f"The {i}th boat of the river carries stones to mill number {i} today." for i in range(150_000)]
    item = " ".join(sentences)  # about 10 MB
    pieces = chunks(item[:MAX_ITEM_CHARS])
    assert len(pieces) <= 1 + MAX_SENTENCE_CHUNKS and max(map(len, pieces)) <= MAX_CHUNK_CHARS
    embedded = []

    def embed(texts):
        embedded.extend(texts)
        return bag_of_words(texts)

    evals = build_eval_index(["short", "huge"], ["What is the boiling point of water at sea level?", item], embed)
    assert len(embedded) <= 2 + MAX_SENTENCE_CHUNKS and sum(map(len, embedded)) < 300_000
    assert len(evals.texts[1]) <= MAX_ITEM_CHARS + 1
    assert sentences[-1] in evals.texts[1] and sentences[0] in evals.texts[1]  # the start and the end still count
