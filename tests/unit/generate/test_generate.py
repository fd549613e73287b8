import numpy as np

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.spec import AnthropicGenerator, SeedRowsSampler, TemplateGenerator
from tasks.generate.anthropic import build_request, exemplar_block, parse_reply
from tasks.generate.sampler import draw_row
from tasks.generate.templates import generate_from_templates

SEEDS = [{"id": "s1", "instruction": "Sort these words alphabetically"}, {"id": "s2", "instruction": "Name a colour"}]

TEMPLATES = TemplateGenerator.model_validate(
    {
        "backend": "template",
        "rows": 8,
        "seed": 3,
        "samplers": {
            "name": {"type": "person_name", "pool_size": 3},
            "n": {"type": "integer", "min": 1, "max": 9},
            "price": {"type": "float", "min": 1, "max": 2, "decimals": 1},
            "day": {"type": "date", "start": "2025-03-01", "end": "2025-03-03"},
            "fruit": {"type": "category", "values": {"pear": 1, "fig": 0}},
            "seed": {"type": "seed_rows"},
        },
        "templates": [
            {
                "id": "mix",
                "category": "c",
                "instruction": "{{ name }} buys {{ n }} {{ fruit }} at {{ price }} on {{ day }}",
                "input": "{{ seed.instruction }}",
                "output": "{{ n * 2 }}",
            },
            {"id": "broken", "weight": 0.5, "category": "c", "instruction": "{{ n // 0 }}", "output": "x"},
        ],
    }
)


def test_template_generation_is_deterministic_and_carries_provenance():
    rows, rejects = generate_from_templates(TEMPLATES, SEEDS)
    again, _ = generate_from_templates(TEMPLATES, SEEDS)
    assert rows == again
    assert len(rows) + len(rejects) == 8
    row = rows[0]
    assert (
        row[col.SOURCE] == col.SOURCE_SYNTHETIC and row[col.GENERATOR] == "template" and row[col.TEMPLATE_ID] == "mix"
    )
    assert " pear " in row[col.INSTRUCTION] and "2025-03-0" in row[col.INSTRUCTION]
    assert row[col.INPUT] in {s["instruction"] for s in SEEDS}
    assert len({r[col.ID] for r in rows + rejects}) == 8


def test_a_template_that_fails_to_render_is_a_rejected_row_with_its_reason():
    _, rejects = generate_from_templates(TEMPLATES, SEEDS)
    assert rejects and all(
        r[col.REASON] == "template_render_error" and "ZeroDivisionError" in r[col.DETAIL] for r in rejects
    )


CONFIG = AnthropicGenerator(
    backend="anthropic",
    rows=1,
    model="claude-test",
    prompt_id="p1",
    category="qa",
    system_prompt="Be precise.",
    prompt="Write about {{ topic }}.",
    samplers={"topic": {"type": "category", "values": {"tides": 1}}},
)


def test_request_forces_the_record_tool_with_the_stored_schema():
    request = build_request(CONFIG, {"topic": "tides"})
    assert request["messages"] == [{"role": "user", "content": "Write about tides."}]
    assert request["tool_choice"] == {"type": "tool", "name": "emit_record"}
    assert request["tools"][0]["input_schema"]["required"] == ["instruction", "output"]


def reply(blocks, stop_reason="tool_use"):
    return {"content": blocks, "stop_reason": stop_reason}


FIXED = {"category": "qa"}


def test_parse_reply_accepts_a_valid_tool_call():
    record, reason, _ = parse_reply(
        reply([{"type": "tool_use", "name": "emit_record", "input": {"instruction": "Why?", "output": "Because."}}]),
        INSTRUCTION,
        FIXED,
    )
    assert reason is None and record == {"instruction": "Why?", "input": "", "output": "Because.", "category": "qa"}


def test_parse_reply_gives_a_reason_for_each_bad_reply():
    def reason_of(message):
        return parse_reply(message, INSTRUCTION, FIXED)[1:]

    assert reason_of(reply([{"type": "text", "text": "hi"}]))[0] == "llm_no_tool_call"
    missing = reason_of(reply([{"type": "tool_use", "name": "emit_record", "input": {"instruction": "Why?"}}]))
    assert missing == ("llm_invalid_record", "output: 'output' is a required property")
    truncated = reply([{"type": "tool_use", "name": "emit_record", "input": {"instruction": "W"}}], "max_tokens")
    assert reason_of(truncated)[0] == "llm_truncated"


def test_exemplars_rotate_by_window_and_the_prefix_is_marked_for_caching():
    seeds = [{"instruction": f"task {i}", "input": "", "output": f"answer {i}"} for i in range(20)]
    few_shot = CONFIG.model_copy(update={"exemplars": 2, "rotate_every": 10})
    assert exemplar_block(few_shot, 0, seeds) == exemplar_block(few_shot, 9, seeds)
    assert exemplar_block(few_shot, 0, seeds) != exemplar_block(few_shot, 10, seeds)
    request = build_request(few_shot, {"topic": "tides"}, exemplar_block(few_shot, 0, seeds))
    assert (
        request["system"][-1]["cache_control"] == {"type": "ephemeral"} and "Example 1" in request["system"][-1]["text"]
    )


def test_sequential_seed_rows_visit_every_seed_once():
    sampler = {"seed": SeedRowsSampler(type="seed_rows", order="sequential")}
    seeds = [{"id": i} for i in range(3)]
    picked = [draw_row(sampler, np.random.default_rng(0), seeds, index)["seed"]["id"] for index in range(6)]
    assert picked == [0, 1, 2, 0, 1, 2]
