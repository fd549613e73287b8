"""The built-in records a spec names with `record: <name>`: instruction (the default), conversation, preference,
labelled and extraction."""

from __future__ import annotations

from schemas.record_schema import Column, RecordSchema

INSTRUCTION = RecordSchema(
    name="instruction",
    columns={
        "instruction": Column(description="The task, phrased as a user would ask it.", min_length=10, max_length=2000),
        "input": Column(
            description="Optional context the task refers to; empty when none.", required=False, max_length=8000
        ),
        "output": Column(description="The correct, complete answer.", min_length=1, max_length=8000),
        "category": Column(type="category", judged=False),
    },
    label="category",
    text_fields=["instruction", "input"],
)

CONVERSATION = RecordSchema(
    name="conversation",
    columns={
        "messages": Column(
            type="messages",
            description="The conversation, alternating user and assistant turns, starting with the user.",
            min_length=2,
            max_length=16,
        ),
        "category": Column(type="category", judged=False),
    },
    label="category",
    text_fields=["messages"],
)

PREFERENCE = RecordSchema(
    name="preference",
    columns={
        "prompt": Column(description="The user's request.", min_length=10, max_length=4000),
        "chosen": Column(description="The better answer: correct, helpful and safe.", min_length=1, max_length=8000),
        "rejected": Column(
            description="A worse answer to the same prompt, for preference tuning.", min_length=1, max_length=8000
        ),
        "category": Column(type="category", judged=False),
    },
    label="category",
    text_fields=["prompt"],
)

LABELLED = RecordSchema(
    name="labelled",
    columns={
        "text": Column(description="The text to classify.", min_length=5, max_length=4000),
        "label": Column(type="category", description="The text's class."),
    },
    label="label",
    text_fields=["text"],
)

EXTRACTION = RecordSchema(
    name="extraction",
    columns={
        "text": Column(description="The document to extract from.", min_length=10, max_length=8000),
        "extracted": Column(type="json", description="The fields extracted from the text, as JSON.", max_length=8000),
        "category": Column(type="category", judged=False),
    },
    label="category",
    text_fields=["text"],
)

BUILT_IN = {r.name: r for r in (INSTRUCTION, CONVERSATION, PREFERENCE, LABELLED, EXTRACTION)}


def built_in(name: str) -> RecordSchema:
    """A built-in record by name; KeyError names the known ones."""
    if name not in BUILT_IN:
        raise KeyError(f"no built-in record {name!r} (known: {', '.join(BUILT_IN)})")
    return BUILT_IN[name]
