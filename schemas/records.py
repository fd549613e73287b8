"""Record types, defined once: column names, the pydantic model an LLM must fill, and Arrow schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

SCHEMAS_DIR = Path(__file__).resolve().parent

# The instruction record: what a training row holds.
ID = "id"
INSTRUCTION = "instruction"
INPUT = "input"
OUTPUT = "output"
CATEGORY = "category"
RECORD_COLUMNS = (ID, INSTRUCTION, INPUT, OUTPUT, CATEGORY)
TEXT_COLUMNS = (INSTRUCTION, INPUT, OUTPUT)
# The longest text a row may hold per column: the base GX suite enforces it on generated rows, seed-row loading on
# real ones, so one oversized row cannot make every later stage (n-grams, embeddings, memorisation) slow.
MAX_CHARS = {INSTRUCTION: 2000, INPUT: 8000, OUTPUT: 8000}

# Provenance: where each row came from.
SOURCE = "source"
GENERATOR = "generator"
MODEL = "model"
TEMPLATE_ID = "template_id"
TEMPLATE_HASH = "template_hash"
SAMPLE_SEED = "sample_seed"
REQUEST_HASH = "request_hash"
BUILD_RUN_ID = "build_run_id"
PROVENANCE_COLUMNS = (SOURCE, GENERATOR, MODEL, TEMPLATE_ID, TEMPLATE_HASH, SAMPLE_SEED, REQUEST_HASH, BUILD_RUN_ID)
JUDGE_SCORE = "judge_score"  # mean rubric score of the LLM judges, when the spec has judges
INPUT_TOKENS = "input_tokens"
OUTPUT_TOKENS = "output_tokens"
COST_USD = "cost_usd"
STOP_REASON = "stop_reason"
LLM_COLUMNS = (INPUT_TOKENS, OUTPUT_TOKENS, COST_USD, STOP_REASON)

SOURCE_REAL = "real"
SOURCE_SYNTHETIC = "synthetic"

# Quarantine: why a row was rejected.
STAGE = "stage"
REASON = "reason"
SCORE = "score"
DUPLICATE_OF = "duplicate_of"
NEAREST_EVAL_ID = "nearest_eval_id"
DETAIL = "detail"

ROW_SCHEMA = pa.schema(
    [pa.field(name, pa.string(), nullable=name != ID) for name in RECORD_COLUMNS]
    + [pa.field(SOURCE, pa.string(), nullable=False)]
    + [pa.field(name, pa.string()) for name in (GENERATOR, MODEL, TEMPLATE_ID, TEMPLATE_HASH)]
    + [pa.field(SAMPLE_SEED, pa.int64()), pa.field(REQUEST_HASH, pa.string()), pa.field(BUILD_RUN_ID, pa.string())]
    + [pa.field(JUDGE_SCORE, pa.float64())]
    + [
        pa.field(INPUT_TOKENS, pa.int64()),
        pa.field(OUTPUT_TOKENS, pa.int64()),
        pa.field(COST_USD, pa.float64()),
        pa.field(STOP_REASON, pa.string()),
    ]
)
# Columns every row has whatever its record (schemas/record_schema.py), and the ones a quarantined row adds.
BASE_COLUMNS = tuple(field.name for field in ROW_SCHEMA if field.name not in RECORD_COLUMNS or field.name == ID)
QUARANTINE_COLUMNS = (STAGE, REASON, SCORE, DUPLICATE_OF, NEAREST_EVAL_ID, DETAIL)
QUARANTINE_SCHEMA = pa.schema(
    list(ROW_SCHEMA)
    + [
        pa.field(STAGE, pa.string(), nullable=False),
        pa.field(REASON, pa.string(), nullable=False),
        pa.field(SCORE, pa.float64()),
        pa.field(DUPLICATE_OF, pa.string()),
        pa.field(NEAREST_EVAL_ID, pa.string()),
        pa.field(DETAIL, pa.string()),
    ]
)


class InstructionRecord(BaseModel):
    """What a generator must produce for one row; the JSON schema of the LLM's tool call."""

    model_config = ConfigDict(extra="forbid")

    instruction: str = Field(description="The task, phrased as a user would ask it.", min_length=1)
    input: str = Field(default="", description="Optional context the task refers to; empty when none.")
    output: str = Field(description="The correct, complete answer.", min_length=1)


INSTRUCTION_TOOL_SCHEMA_PATH = SCHEMAS_DIR / "instruction_record.schema.json"


def instruction_tool_schema() -> dict:
    """The JSON schema for the record tool, as stored in schemas/ (and checked against the model by a test)."""
    return json.loads(INSTRUCTION_TOOL_SCHEMA_PATH.read_text())
