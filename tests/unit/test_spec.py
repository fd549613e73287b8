import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas.spec import SpecError, load_spec
from tasks.spec_checks import check_spec_inputs
from tests.helpers.spec_factory import llm_generator, write_spec


def check(path):
    check_spec_inputs(load_spec(path))


def test_the_small_spec_is_valid(tmp_path):
    check(write_spec(tmp_path))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"colour": "blue"}, "colour: unknown key"),
        ({"generator.rows": "many"}, "generator.rows: Input should be a valid integer"),
        ({"generator.rowz": 5}, "generator.rowz: unknown key"),
        ({"generator.samplers": {"n": {"type": "integer", "min": 1, "mx": 3}}}, "generator.samplers.n.mx: unknown key"),
        ({"blend.max_synthetic_share": 1.5}, "blend.max_synthetic_share: Input should be less than or equal to 1"),
        ({"seed_data.path": "nowhere.jsonl"}, "seed_data.path: .*nowhere.jsonl: file not found"),
        ({"eval_sets.0.text_field": "question"}, "eval_sets.0.text_field: no column 'question'"),
        (
            {"generator.templates.0.instruction": "Count to {{ m }}"},
            "generator.templates.0.instruction: uses m, which no sampler defines",
        ),
        ({"generator.templates.0.output": "{{ n "}, "generator.templates.0.output: template syntax error"),
        (
            {
                "gates": {
                    "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "answer"}}]
                }
            },
            "gates.expectations.0: no column 'answer'",
        ),
        ({"gates": {"suite": "nope"}}, "gates.suite: no suite 'nope'"),
        ({"record": "chat"}, r"record: no built-in record 'chat' \(known: instruction, conversation"),
        (
            {"record": {"extends": "instruction", "text_fields": ["instrucion"]}},
            r"record: text_fields: 'instrucion' is not a text",
        ),
        (
            {"record": {"extends": "instruction", "columns": {"output": {"typ": "text"}}}},
            r"record\.columns\.output\.typ: unknown",
        ),
        (
            {"generator.samplers": {"n": {"type": "integer", "min": 5, "max": 1}}},
            "lower bound 5 is above upper bound 1",
        ),
        (
            {"generator.samplers": {"c": {"type": "category", "values": {"a": -2, "b": 1}}}},
            r"generator\.samplers\.c\.values\.a: Input should be greater than or equal to 0",
        ),
        (
            {"generator.samplers": {"c": {"type": "category", "values": {"a": 0, "b": 0}}}},
            r"generator\.samplers\.c: values: at least one weight must be above 0",
        ),
        (
            {"blend.stratify_by": "category", "blend.stratum_weights": {"arithmetic": -1}},
            r"blend\.stratum_weights\.arithmetic: Input should be greater than or equal to 0",
        ),
        (  # .inf in YAML: the weights' sum is inf, their shares NaN, and generate (or the blend) crashed
            {"generator.samplers": {"c": {"type": "category", "values": {"a": float("inf"), "b": 1}}}},
            r"generator\.samplers\.c\.values\.a: Input should be a finite number",
        ),
        (
            {"blend.stratify_by": "category", "blend.stratum_weights": {"arithmetic": float("inf")}},
            r"blend\.stratum_weights\.arithmetic: Input should be a finite number",
        ),
    ],
)
def test_bad_specs_name_the_field(tmp_path, overrides, message):
    with pytest.raises(SpecError, match=message):
        check(write_spec(tmp_path, **overrides))


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"publish.license": "not a licence"}, r"publish\.license: String should match pattern"),  # the Hub refuses it
        ({"publish.language": ["english"]}, r"publish\.language\.0: String should match pattern"),
    ],
)
def test_card_metadata_the_hub_would_refuse_is_refused_at_load(tmp_path, overrides, message):
    with pytest.raises(SpecError, match=message):
        load_spec(write_spec(tmp_path), overrides)
    assert load_spec(write_spec(tmp_path), {"publish.license": "cc-by-4.0", "publish.language": ["en", "de-CH"]})


def test_a_key_misspelled_beside_the_one_meant_is_guessed_through_lists_and_union_branches(tmp_path):
    # The spec sets `max` (so nothing is missing to guess from); the path runs through a sampler's type branch.
    with pytest.raises(SpecError, match=r"generator\.samplers\.n\.mx: unknown key \(did you mean max\?\)"):
        load_spec(write_spec(tmp_path), {"generator.samplers.n.mx": 5})
    with pytest.raises(SpecError, match=r"generator\.samplers\.n\.zzz: unknown key$"):
        load_spec(write_spec(tmp_path), {"generator.samplers.n.zzz": 5})


def test_empty_seed_set_is_refused(tmp_path):
    path = write_spec(tmp_path)
    (tmp_path / "seeds.jsonl").write_text("")
    with pytest.raises(SpecError, match="seed_data.path: .*(has no rows|cannot be read)"):
        check(path)


def test_unreadable_eval_file_is_refused(tmp_path):
    path = write_spec(tmp_path)
    (tmp_path / "eval.jsonl").write_text("{not json\n")
    with pytest.raises(SpecError, match="eval_sets.0.path: .*eval.jsonl: cannot be read as jsonl"):
        check(path)


def test_a_judge_must_not_be_the_generator(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    generator = llm_generator(model="claude-x")
    gates = {"judging": {"judges": [{"name": "self", "model": "claude-x"}]}}
    with pytest.raises(SpecError, match="judge self uses the generator's model claude-x"):
        check(write_spec(tmp_path, generator=generator, gates=gates))


def test_bad_gate_files_are_refused(tmp_path):
    (tmp_path / "verdicts.csv").write_text("id,verdict,reviewer\nsyn-1,maybe,dana\n")
    with pytest.raises(SpecError, match="gates.human_verdicts: .*accept or reject"):
        check(write_spec(tmp_path, gates={"human_verdicts": "verdicts.csv"}))
    (tmp_path / "schema.json").write_text('{"type": "nonsense"}')
    with pytest.raises(SpecError, match="gates.validators.output_json_schema"):
        check(write_spec(tmp_path, gates={"validators": {"output_json_schema": "schema.json"}}))


def test_openai_backend_needs_its_server_at_start(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    generator = llm_generator("openai", model="llama")
    with pytest.raises(SpecError, match="OPENAI_BASE_URL"):
        check(write_spec(tmp_path, generator=generator))


def test_an_unpriced_model_is_refused_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    generator = llm_generator(model="claude-unknown")
    with pytest.raises(SpecError, match="generator.model: no price for model 'claude-unknown'"):
        check(write_spec(tmp_path, generator=generator))


def test_anthropic_backend_needs_its_key_at_start(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    generator = llm_generator(model="claude-haiku-4-5")
    with pytest.raises(SpecError, match="ANTHROPIC_API_KEY is not set"):
        check(write_spec(tmp_path, generator=generator))


@pytest.mark.parametrize("key", [None, ""])
def test_the_contamination_judge_needs_a_key_that_is_not_empty_at_start(tmp_path, monkeypatch, key):
    if key is None:
        monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    else:
        monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    path = write_spec(tmp_path, decontamination={"llm_judge": {"model": "claude-haiku-4-5"}})
    with pytest.raises(SpecError, match="decontamination.llm_judge: the environment variable ANTHROPIC_API_KEY is not"):
        check(path)


def test_cli_build_exits_2_and_writes_nothing_on_a_bad_spec(tmp_path):
    path = write_spec(tmp_path, **{"eval_sets.0.id_field": "key"})
    result = CliRunner().invoke(app, ["build", str(path), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "eval_sets.0.id_field" in result.output
    assert not (tmp_path / "out").exists()


def test_eval_item_without_text_is_refused(tmp_path):
    spec = write_spec(tmp_path)
    with (tmp_path / "eval.jsonl").open("a") as items:
        items.write('{"id": "e-blank", "question": "the text is under another key"}\n')
    with pytest.raises(SpecError, match=r"eval_sets\.0\.text_field: .*eval\.jsonl: row \d+: no text in column 'text'"):
        check(spec)


def test_check_contamination_refuses_an_eval_item_without_text(tmp_path):
    (tmp_path / "eval.jsonl").write_text('{"id": "a", "text": "Maria has 3 apples."}\n{"id": "b", "text": ""}\n')
    (tmp_path / "cand.jsonl").write_text('{"id": "c", "text": "Maria has 3 apples."}\n')
    out = tmp_path / "out.jsonl"
    args = ["check-contamination", "--eval", str(tmp_path / "eval.jsonl"), "--candidates", str(tmp_path / "cand.jsonl")]
    result = CliRunner().invoke(app, [*args, "--field", "text", "--out", str(out)])
    assert result.exit_code == 2
    assert "row 2: no text in column 'text'" in result.output
    assert not out.exists()


def test_check_contamination_and_dedup_refuse_a_candidate_without_text(tmp_path):
    (tmp_path / "eval.jsonl").write_text('{"id": "a", "text": "Maria has 3 apples."}\n')
    (tmp_path / "cand.jsonl").write_text('{"id": "c", "text": "Maria has 3 apples."}\n{"id": "d"}\n')
    out = tmp_path / "out.jsonl"
    checked = CliRunner().invoke(
        app,
        ["check-contamination", "--eval", str(tmp_path / "eval.jsonl"), "--candidates", str(tmp_path / "cand.jsonl")]
        + ["--field", "text", "--out", str(out)],
    )
    deduped = CliRunner().invoke(
        app, ["dedup", "--input", str(tmp_path / "cand.jsonl"), "--field", "text", "--out", str(out)]
    )
    for result in (checked, deduped):
        assert result.exit_code == 2
        assert "cand.jsonl: row 2: no text in column 'text'" in result.output
    assert not out.exists()


@pytest.mark.parametrize("out_name", ["verdicts.txt", "a_folder"])
def test_check_contamination_and_dedup_refuse_an_out_they_cannot_write_before_scoring(tmp_path, out_name):
    (tmp_path / "eval.jsonl").write_text('{"id": "a", "text": "Maria has 3 apples."}\n')
    (tmp_path / "cand.jsonl").write_text('{"id": "c", "text": "Maria has 3 apples."}\n')
    (tmp_path / "a_folder").mkdir()
    out = tmp_path / out_name
    checked = CliRunner().invoke(
        app,
        ["check-contamination", "--eval", str(tmp_path / "eval.jsonl"), "--candidates", str(tmp_path / "cand.jsonl")]
        + ["--field", "text", "--out", str(out), "--cache-dir", str(tmp_path / "never")],
    )
    deduped = CliRunner().invoke(
        app,
        ["dedup", "--input", str(tmp_path / "cand.jsonl"), "--field", "text", "--out", str(out)]
        + ["--cache-dir", str(tmp_path / "never")],
    )
    for result in (checked, deduped):
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"error: {out}: ") and "Traceback" not in result.output
    assert not (tmp_path / "never").exists()  # refused before any model or cache was opened


def test_a_check_across_fields_names_its_field_without_a_top_level_prefix(tmp_path):
    spec = write_spec(tmp_path, **{"generator.samplers.n.min": 5})
    with pytest.raises(SpecError) as error:
        load_spec(spec)
    assert str(error.value) == f"{spec}: generator.samplers.n: lower bound 5 is above upper bound 3"


def test_a_dask_build_needs_its_scheduler_address_when_validated(tmp_path, monkeypatch):
    """`validate` refuses what the build would: the address comes from the environment."""
    monkeypatch.delenv("SYNTHFACTORY_DASK_ADDRESS", raising=False)
    path = write_spec(tmp_path, orchestration={"task_runner": "dask"})
    with pytest.raises(SpecError, match="orchestration.task_runner dask: set SYNTHFACTORY_DASK_ADDRESS"):
        check(path)
    monkeypatch.setenv("SYNTHFACTORY_DASK_ADDRESS", "tcp://127.0.0.1:8786")
    check(path)
