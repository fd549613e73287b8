"""The record tool an LLM fills: asked columns, types, and replies read back or refused with the column named."""

import json

from schemas.record_builtins import CONVERSATION, EXTRACTION, INSTRUCTION
from schemas.records import instruction_tool_schema
from tasks.generate.record_tool import read_reply, record_tool


def test_the_instruction_tool_is_unchanged():
    assert record_tool(INSTRUCTION, {"category": "c"}) == instruction_tool_schema()


def test_a_chat_comes_back_as_turns_and_a_bad_one_names_its_turn():
    turns = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    row, reason, _ = read_reply({"messages": turns}, CONVERSATION, {"category": "support"})
    assert reason is None and row == {"messages": turns, "category": "support"}
    _, reason, problem = read_reply(
        {"messages": [{"role": "robot", "content": "x"}, turns[1]]}, CONVERSATION, {"category": "s"}
    )
    assert reason == "llm_invalid_record" and problem.startswith("messages.0.role")


def test_json_columns_are_stored_as_text():
    row, reason, _ = read_reply(
        {"text": "Invoice 7 from Alder", "extracted": {"total": "7 EUR"}}, EXTRACTION, {"category": "i"}
    )
    assert reason is None and json.loads(row["extracted"]) == {"total": "7 EUR"}
    assert read_reply({"text": 3, "extracted": {}}, EXTRACTION, {"category": "i"})[2].startswith("text:")
