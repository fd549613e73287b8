import json
from pathlib import Path

import pandas as pd
import pytest

from schemas import records as col
from schemas.record_schema import Column
from schemas.spec import SpecError, load_spec
from tasks.spec_inputs import load_real_rows
from tasks.verify.check_runner import run_row_checks
from tasks.verify.memorisation import SeedSpans
from tasks.verify.row_checks import build_row_checks
from tasks.verify.sandbox import extract_code, run_python
from tasks.verify.validators import (
    check_arithmetic,
    check_json_output,
    check_turns,
    evaluate_arithmetic,
    find_forbidden,
    find_refusal,
)
from tests.helpers.spec_factory import write_spec


def test_refusal_boilerplate_and_forbidden_strings():
    assert find_refusal("As an AI language model, I cannot do that.")
    assert find_refusal("I'm sorry, but I can't help with that request.")
    assert find_refusal("The AI model was trained on text.") is None
    assert find_forbidden("Lorem Ipsum dolor", ["lorem ipsum"]) == "lorem ipsum"
    assert find_forbidden("a fine answer", ["lorem ipsum"]) is None


@pytest.mark.parametrize(
    "output, problem",
    [
        ("She has <<3+4=7>>7 apples.\n#### 7", None),
        ("<<48/2=24>>24 then <<24*3=72>>72\n#### 72", None),
        ("<<7-4=4>>4\n#### 4", "is wrong: 7-4 = 3"),
        ("<<3+4=7>>7\n#### 8", "final answer 8 differs"),
        ("<<__import__('os')=1>>", "does not compute"),
        ("<<5/0=1>>", "does not compute"),
        ("The answer is seven.", "no calculation"),
    ],
)
def test_arithmetic_annotations_are_recomputed(output, problem):
    result = check_arithmetic(output)
    assert result is None if problem is None else problem in result


def test_arithmetic_evaluator_refuses_anything_but_arithmetic():
    assert evaluate_arithmetic("2 ** 10 - 1,000 / 4") == 774
    with pytest.raises(ValueError):
        evaluate_arithmetic("open('x')")


def test_json_output_against_a_schema():
    schema = {"type": "object", "properties": {"label": {"enum": ["yes", "no"]}}, "required": ["label"]}
    assert check_json_output('{"label": "yes"}', schema) is None
    assert "schema" in check_json_output('{"label": "maybe"}', schema)
    assert "not JSON" in check_json_output("label: yes", schema)


def test_code_runs_in_a_limited_process():
    assert run_python("print(sum(range(10)))").passed
    assert "ZeroDivisionError" in run_python("print(1 / 0)").detail
    assert "timed out" in run_python("while True: pass", timeout_seconds=1).detail
    assert not run_python("x = bytearray(1024 * 1024 * 1024)", memory_mb=64).passed
    assert "ConnectionRefusedError" in run_python("import socket; socket.create_connection(('127.0.0.1', 9))").detail
    assert extract_code("Here:\n```python\nprint(1)\n```") == "print(1)\n"


def test_memorisation_finds_the_seed_row_a_text_copies():
    spans = SeedSpans(
        ["s1", "s2"],
        ["the quick brown fox jumps over the lazy dog near the quiet river bank", "make a list of ten fruits"],
        5,
    )
    share, seed = spans.copied_share("Rewrite: the quick brown fox jumps over the lazy dog near the quiet river bank")
    assert seed == "s1" and share > 0.8
    assert spans.copied_share("an entirely different sentence about sailing boats at dawn")[0] == 0.0


def test_row_checks_from_a_spec_apply_each_to_its_own_categories(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path, gates={"validators": {"arithmetic_categories": ["math"], "code": {"categories": ["code"]}}}
        )
    )
    rows = pd.DataFrame(
        {
            col.ID: ["a", "b", "c", "d", "e"],
            col.CATEGORY: ["math", "math", "code", "code", "chat"],
            col.INSTRUCTION: ["Add", "Add", "Divide", "Divide", "Say hi to bob@example.com"],
            col.INPUT: ["", "", "", "", ""],
            col.OUTPUT: [
                "<<2+2=4>>4",
                "<<2+2=5>>5",
                "```python\nprint(4 / 2)\n```",
                "```python\nprint(4 / 0)\n```",
                "hi",
            ],
        }
    )
    real = pd.DataFrame({col.ID: ["r"], col.INSTRUCTION: ["x"], col.INPUT: [""], col.OUTPUT: ["y"]})
    kept, quarantined, counts = run_row_checks(rows, build_row_checks(spec, real))
    assert kept[col.ID].tolist() == ["a", "c"]
    assert quarantined[[col.ID, col.REASON]].values.tolist() == [
        ["b", "arithmetic_wrong"],
        ["d", "code_failed"],
        ["e", "pii_email"],
    ]
    assert counts["arithmetic"] == {"passed": 4, "failed": 1} and counts["code_execution"] == {"passed": 2, "failed": 1}


ROOT = Path(__file__).resolve().parents[3]
CONVERSATION_SPEC = ROOT / "deployments" / "specs" / "conversation.yaml"


def chat(turn_count: int) -> list[dict]:
    return [{"role": ("user", "assistant")[i % 2], "content": f"turn {i}"} for i in range(turn_count)]


def test_a_chat_outside_its_declared_turns_is_quarantined_as_messages_turns():
    spec = load_spec(CONVERSATION_SPEC)  # messages: min_length 2, max_length 16 turns
    rows = pd.DataFrame(
        {col.ID: ["ok", "one", "none", "long"], "messages": [chat(2), chat(1), [], chat(17)], "category": ["s"] * 4}
    )
    checks = build_row_checks(spec, pd.DataFrame())
    assert next(iter(checks)) == "messages_turns"
    kept, quarantined, counts = run_row_checks(rows, checks)
    assert kept[col.ID].tolist() == ["ok"] and counts["messages_turns"] == {"passed": 1, "failed": 3}
    assert quarantined[[col.ID, col.REASON, col.DETAIL]].values.tolist() == [
        ["one", "messages_turns", "messages has 1 turns, fewer than the 2 the record allows"],
        ["none", "messages_turns", "messages has 0 turns, fewer than the 2 the record allows"],
        ["long", "messages_turns", "messages has 17 turns, more than the 16 the record allows"],
    ]


def test_a_seed_chat_outside_its_declared_turns_fails_the_spec_naming_its_row(tmp_path):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"messages": chat(n), "category": "s"}) + "\n" for n in (2, 4, 1)))
    spec = load_spec(CONVERSATION_SPEC)
    spec = spec.model_copy(update={"seed_data": spec.seed_data.model_copy(update={"path": seeds})})
    with pytest.raises(SpecError, match=r"row 3: messages has 1 turns, fewer than the 2 the record allows"):
        load_real_rows(spec)


def test_check_turns_lets_an_optional_chat_be_left_out():
    optional = Column(type="messages", required=False, max_length=4)
    assert check_turns("m", None, optional) is None and check_turns("m", chat(5), optional) is not None
    assert check_turns("m", [], Column(type="messages")) == "m has 0 turns, fewer than the 1 the record allows"
