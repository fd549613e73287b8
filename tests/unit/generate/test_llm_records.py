"""The LLM backends' requests and replies for any record: instruction requests byte-identical to before records
were declared, other records asked for their generated columns and read back naming the bad column."""

import json

from schemas.record_builtins import CONVERSATION, EXTRACTION, INSTRUCTION, LABELLED
from schemas.record_schema import Column, RecordSchema
from schemas.records import instruction_tool_schema
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator
from tasks.generate.anthropic import build_request, exemplar_block, parse_reply, plan_rows
from tasks.generate.openai_compatible import build_chat_request, parse_chat_reply
from tasks.generate.record_tool import fixed_columns
from tasks.llm.request_cache import request_key

SAMPLERS = {"topic": {"type": "category", "values": {"tides": 1}}}
ANTHROPIC = AnthropicGenerator(
    backend="anthropic",
    rows=3,
    model="claude-test",
    prompt_id="p1",
    category="qa",
    system_prompt="Be precise.",
    prompt="Write about {{ topic }}.",
    samplers=SAMPLERS,
    exemplars=2,
)
OPENAI = OpenAICompatibleGenerator(
    backend="openai",
    rows=1,
    model="local",
    prompt_id="p1",
    category="qa",
    system_prompt="Be precise.",
    prompt="Write about {{ topic }}.",
    samplers=SAMPLERS,
)
SEEDS = [{"instruction": f"task {i}", "input": "" if i % 2 else f"ctx {i}", "output": f"answer {i}"} for i in range(4)]
CHATS = [
    {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}], "category": "s"}
    for i in range(3)
]


def test_instruction_requests_are_byte_identical_to_the_stored_tool_requests():
    """What the backends sent before records were declared, rebuilt here literally: same bytes, same cache key."""
    exemplars = exemplar_block(ANTHROPIC, 0, SEEDS)
    picked = [s for s in SEEDS if f"Instruction: {s['instruction']}\n" in exemplars]
    assert len(picked) == 2 and exemplars == "Examples of good records:\n\n" + "\n\n".join(
        f"Example {n}:\nInstruction: {r['instruction']}\nInput: {r['input']}\nOutput: {r['output']}"
        for n, r in enumerate(sorted(picked, key=lambda r: exemplars.index(f"Instruction: {r['instruction']}\n")), 1)
    )
    before = {
        "model": "claude-test",
        "max_tokens": 1024,
        "system": [
            {"type": "text", "text": "Be precise."},
            {"type": "text", "text": exemplars, "cache_control": {"type": "ephemeral"}},
        ],
        "messages": [{"role": "user", "content": "Write about tides."}],
        "tools": [
            {
                "name": "emit_record",
                "description": "Emit one training record.",
                "input_schema": instruction_tool_schema(),
            }
        ],
        "tool_choice": {"type": "tool", "name": "emit_record"},
    }
    now = build_request(ANTHROPIC, {"topic": "tides"}, exemplars, INSTRUCTION)
    assert json.dumps(now) == json.dumps(before) and request_key(now, 7) == request_key(before, 7)
    assert plan_rows(ANTHROPIC, SEEDS)[0].request == now

    chat_before = {
        "model": "local",
        "max_tokens": 1024,
        "temperature": 0.8,
        "seed": 7,
        "messages": [{"role": "system", "content": "Be precise."}, {"role": "user", "content": "Write about tides."}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "emit_record",
                    "description": "Emit one training record.",
                    "parameters": instruction_tool_schema(),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "emit_record"}},
    }
    assert json.dumps(build_chat_request(OPENAI, {"topic": "tides"}, 7)) == json.dumps(chat_before)


def test_a_conversation_is_asked_as_one_array_of_turns_and_its_exemplars_show_the_chat():
    exemplars = exemplar_block(ANTHROPIC, 0, CHATS, CONVERSATION)
    assert exemplars.startswith('Examples of good records:\n\nExample 1:\nMessages: [{"role": "user", ')
    assert "Category" not in exemplars
    request = build_request(ANTHROPIC, {"topic": "tides"}, exemplars, CONVERSATION)
    schema = request["tools"][0]["input_schema"]
    assert list(schema["properties"]) == ["messages"] and schema["required"] == ["messages"]
    assert schema["properties"]["messages"]["minItems"] == 2 and schema["properties"]["messages"]["maxItems"] == 16
    chat = build_chat_request(OPENAI, {"topic": "tides"}, 1, CONVERSATION)
    assert chat["tools"][0]["function"]["parameters"] == schema


def test_sampler_columns_come_from_the_row_and_are_not_asked():
    record = RecordSchema(
        name="rated",
        columns={
            "text": Column(),
            "stars": Column(type="integer", source="sampler", sampler="n"),
            "label": Column(type="category", values=["pos", "neg"]),
        },
        label="label",
        text_fields=["text"],
    )
    fixed = fixed_columns(record, {"n": 4, "topic": "tides"}, "pos")
    assert fixed == {"stars": 4, "label": "pos"}
    schema = build_request(ANTHROPIC, {"n": 4, "topic": "tides"}, "", record)["tools"][0]["input_schema"]
    assert list(schema["properties"]) == ["text"]
    message = {
        "stop_reason": "tool_use",
        "content": [{"type": "tool_use", "name": "emit_record", "input": {"text": "ok"}}],
    }
    assert parse_reply(message, record, fixed) == ({"text": "ok", "stars": 4, "label": "pos"}, None, None)


def chat_reply(arguments):
    call = {"id": "c", "type": "function", "function": {"name": "emit_record", "arguments": json.dumps(arguments)}}
    return {"choices": [{"message": {"tool_calls": [call]}, "finish_reason": "tool_calls"}]}


def test_bad_replies_name_their_column_and_a_schema_violation_keeps_its_values():
    fixed = {"category": "invoice"}
    extraction = EXTRACTION.model_copy(
        update={
            "columns": EXTRACTION.columns
            | {
                "extracted": Column(
                    type="json", json_schema={"type": "object", "properties": {"total": {"type": "number"}}}
                )
            }
        }
    )
    ok = parse_chat_reply(chat_reply({"text": "Invoice 7, 12 EUR", "extracted": {"total": 12}}), extraction, fixed)
    assert ok == ({"text": "Invoice 7, 12 EUR", "extracted": '{"total": 12}', "category": "invoice"}, None, None)
    row, reason, detail = parse_chat_reply(
        chat_reply({"text": "Invoice 7, 12 EUR", "extracted": {"total": "12 EUR"}}), extraction, fixed
    )
    assert reason == "json_schema_violation" and detail.startswith("extracted.total: '12 EUR' is not of type")
    assert row is not None and json.loads(row["extracted"]) == {"total": "12 EUR"}
    assert (
        parse_chat_reply(chat_reply({"text": "x", "extracted": "{not json"}), extraction, fixed)[1] == "json_not_valid"
    )
    assert parse_chat_reply(chat_reply({"extracted": {}}), extraction, fixed)[1:] == (
        "llm_invalid_record",
        "text: 'text' is a required property",
    )
    turns = [{"role": "user", "content": "Hi"}]
    reason, detail = parse_chat_reply(chat_reply({"messages": turns}), CONVERSATION, {"category": "s"})[1:]
    assert reason == "llm_invalid_record" and detail.startswith("messages: ") and "too short" in detail
    labelled = LABELLED.model_copy(
        update={"columns": LABELLED.columns | {"label": Column(type="category", values=["pos", "neg"])}}
    )
    reason, detail = parse_chat_reply(chat_reply({"text": "Lovely day", "label": "meh"}), labelled, {})[1:]
    assert reason == "llm_invalid_record" and detail.startswith("label: 'meh' is not one of")
    assert parse_chat_reply(chat_reply({"text": 5}), labelled, {"label": "pos"})[2].startswith("text: 5 is not of type")
