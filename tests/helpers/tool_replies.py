"""Replies the fake LLM servers give to any declared record tool: a valid input built from the tool's JSON Schema,
and the faults a `mode=` marker asks for (a required column missing, a json column off its schema)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema

# The texts the instruction tool's replies have always had, per fake: judges and tests read them.
ANTHROPIC_TEXTS = {
    "instruction": "Explain {topic} to a new colleague in two sentences.",
    "output": "{topic} is important.",
}
OPENAI_TEXTS = {"instruction": "Summarise {topic} for a child.", "output": "{topic} explained simply."}
DAY = "2024-05-17"


def marker(prompt: str, name: str) -> str | None:
    found = re.search(rf"{name}=(\w+)", prompt)
    return found.group(1) if found else None


def _text(name: str, schema: dict, topic: str, case: str | None, texts: dict[str, str]) -> str:
    if "enum" in schema:
        return schema["enum"][sum(map(ord, topic)) % len(schema["enum"])]
    if "date" in name or schema.get("format") == "date":
        return DAY
    text = texts[name].format(topic=topic) if name in texts else f"{name.replace('_', ' ').capitalize()} on {topic}"
    text += f" (case {case})" if case and name not in texts else ""
    return text.ljust(schema.get("minLength", 0), ".")[: schema.get("maxLength")]


def _turns(schema: dict, topic: str, case: str | None) -> list[dict]:
    count = min(max(schema.get("minItems", 1), 2), schema.get("maxItems", 2))
    roles = ["user", "assistant"]
    about = f"{topic} (case {case})" if case else topic
    return [
        {
            "role": roles[i % 2],
            "content": f"Question {i // 2 + 1} about {about}?" if i % 2 == 0 else f"Answer on {about}.",
        }
        for i in range(count)
    ]


def value_for(name: str, schema: dict, topic: str, case: str | None, texts: dict[str, str]) -> Any:
    """A value that fits `schema` (the JSON Schema keywords the record tools use), mentioning the topic."""
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "array" and schema.get("items", {}).get("properties", {}).get("role"):
        return _turns(schema, topic, case)
    if kind == "array":
        return [value_for(name, schema.get("items", {}), topic, case, texts) for _ in range(schema.get("minItems", 1))]
    if kind == "object":
        properties = schema.get("properties", {})
        names = schema.get("required") or list(properties)
        if not properties:
            return {"topic": topic}
        return {n: value_for(n, properties[n], topic, case, texts) for n in names}
    if kind == "integer":
        return int(schema.get("minimum", 3))
    if kind == "number":
        return float(schema.get("minimum", 0)) + 12.5
    if kind == "boolean":
        return True
    return _text(name, schema, topic, case, texts)


def tool_arguments(schema: dict, prompt: str, mode: str, texts: dict[str, str]) -> dict:
    """The tool input a reply in `mode` carries: valid for ok; for invalid, the last required column left out;
    for off_schema, the first field of the first object column given a value of the wrong type."""
    topic, case = marker(prompt, "topic") or "things", marker(prompt, "n")
    arguments = value_for("", schema, topic, case, texts)
    jsonschema.validate(arguments, schema)  # a fake that cannot build a valid reply must fail loudly
    if mode == "invalid":
        arguments.pop(schema["required"][-1])
    if mode == "off_schema":
        name = next(n for n, v in arguments.items() if isinstance(v, dict) and v)
        field = next(iter(arguments[name]))
        arguments[name][field] = "not a number" if isinstance(arguments[name][field], (int, float)) else 12345
    return arguments
