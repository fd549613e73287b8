"""The declared record and what is derived from it: Arrow schemas, the LLM's tool, the GX suite, texts, features."""

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from schemas import records as col
from schemas.record_builtins import BUILT_IN, CONVERSATION, EXTRACTION, INSTRUCTION, LABELLED, PREFERENCE
from schemas.record_derived import hf_features, quarantine_schema, record_suite, row_schema, tool_schema
from schemas.record_schema import RecordSchema
from schemas.record_values import seed_value, typed_value
from schemas.spec import SpecError, load_spec
from schemas.suites import load_suite
from tasks.generate.templates import generate_from_templates
from tasks.spec_inputs import load_real_rows
from tasks.text_features import comparable_text
from tests.helpers.spec_factory import write_spec

SPECS = Path(__file__).resolve().parents[2] / "deployments" / "specs"
CHAT = [
    {"role": "user", "content": "Where is my parcel?"},
    {"role": "assistant", "content": "It left the depot this morning."},
    {"role": "user", "content": "When will it arrive?"},
]


def test_the_instruction_record_derives_what_was_defined_by_hand():
    assert row_schema(INSTRUCTION) == col.ROW_SCHEMA
    assert quarantine_schema(INSTRUCTION) == col.QUARANTINE_SCHEMA
    assert tool_schema(INSTRUCTION, ["instruction", "input", "output"]) == col.instruction_tool_schema()
    assert record_suite(INSTRUCTION) == load_suite("instruction_record")


@pytest.mark.parametrize("name", list(BUILT_IN))
def test_every_built_in_suite_is_stored(name):
    assert record_suite(BUILT_IN[name]) == load_suite(f"{name}_record")


def test_arrow_types_follow_the_declaration():
    record = RecordSchema(
        columns={
            "chat": {"type": "messages"},
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "ok": {"type": "boolean"},
            "data": {"type": "json"},
        },
        text_fields=["chat"],
    )
    schema = row_schema(record)
    assert schema.field("chat").type == pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    assert [schema.field(n).type for n in ("n", "x", "ok", "data")] == [
        pa.int64(),
        pa.float64(),
        pa.bool_(),
        pa.string(),
    ]
    features = {f["name"]: f for f in hf_features(record)}
    assert features["chat"] == {
        "name": "chat",
        "list": [{"name": "role", "dtype": "string"}, {"name": "content", "dtype": "string"}],
    }
    assert features["n"]["dtype"] == "int64" and features["ok"]["dtype"] == "bool"


def test_the_tool_asks_for_each_type_and_validation_leaves_json_schemas_to_the_gates():
    record = EXTRACTION.model_copy(
        update={
            "columns": {
                **EXTRACTION.columns,
                "extracted": EXTRACTION.columns["extracted"].model_copy(
                    update={"json_schema": {"type": "object", "required": ["total"]}}
                ),
            }
        }
    )
    asked = tool_schema(record, ["text", "extracted"])
    assert asked["properties"]["extracted"]["required"] == ["total"]
    assert "required" not in tool_schema(record, ["text", "extracted"], for_validation=True)["properties"]["extracted"]
    chat = tool_schema(CONVERSATION, ["messages"])["properties"]["messages"]
    assert chat["minItems"] == 2 and chat["items"]["properties"]["role"]["enum"] == ["user", "assistant"]
    assert tool_schema(LABELLED, ["text", "label"])["properties"]["label"]["type"] == "string"


def test_suites_name_specific_reasons():
    labelled = LABELLED.model_copy(
        update={
            "columns": {**LABELLED.columns, "label": LABELLED.columns["label"].model_copy(update={"values": ["a"]})}
        }
    )
    reasons = [e["meta"]["reason"] for e in record_suite(labelled)["expectations"]]
    assert "category_not_allowed" in reasons
    extraction = [e["meta"]["reason"] for e in record_suite(EXTRACTION)["expectations"]]
    assert "json_not_valid" in extraction


def test_text_fields_read_user_turns_and_prompts():
    chats = {"messages": [CHAT], "category": ["x"]}
    import pandas as pd

    assert comparable_text(pd.DataFrame(chats), CONVERSATION) == ["Where is my parcel?\nWhen will it arrive?"]
    pair = pd.DataFrame({"prompt": ["Explain tides"], "chosen": ["The moon"], "rejected": ["Wind"], "category": ["c"]})
    assert comparable_text(pair, PREFERENCE) == ["Explain tides"]
    assert "It left the depot" in CONVERSATION.all_text({"messages": CHAT})


def test_a_bad_declaration_names_its_field():
    with pytest.raises(ValidationError, match="label"):
        RecordSchema(columns={"text": {}, "label": {"type": "text"}}, label="label", text_fields=["text"])
    with pytest.raises(ValidationError, match="text_fields"):
        RecordSchema(columns={"n": {"type": "integer"}}, text_fields=["n"])
    with pytest.raises(ValidationError, match="not a usable column name"):
        RecordSchema(columns={"source": {}}, text_fields=["source"])


def test_values_are_read_as_their_types():
    assert (
        typed_value("42", RecordSchema(columns={"n": {"type": "integer"}, "t": {}}, text_fields=["t"]).columns["n"])
        == 42
    )
    with pytest.raises(ValueError):
        typed_value([{"role": "robot", "content": "x"}], CONVERSATION.columns["messages"])
    assert json.loads(typed_value({"a": 1}, EXTRACTION.columns["extracted"])) == {"a": 1}


def test_templates_fill_any_record(tmp_path):
    from schemas.spec import load_spec

    path = write_spec(
        tmp_path,
        record="conversation",
        **{
            "generator.templates": [
                {
                    "id": "chat",
                    "category": "shipping",
                    "columns": {
                        "messages": [
                            {"role": "user", "template": "Where is parcel {{ n }}?"},
                            {"role": "assistant", "template": "Parcel {{ n }} is on its way."},
                        ]
                    },
                }
            ]
        },
    )
    spec = load_spec(path)
    rows, rejects = generate_from_templates(spec.generator, [], record=spec.record_schema)
    assert not rejects and rows[0]["category"] == "shipping"
    assert [t["role"] for t in rows[0]["messages"]] == ["user", "assistant"]


def test_a_record_can_extend_a_built_in(tmp_path):
    from schemas.spec import load_spec

    schema = tmp_path / "invoice.schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["total"]}))
    path = write_spec(
        tmp_path, record={"extends": "extraction", "columns": {"extracted": {"json_schema": "invoice.schema.json"}}}
    )
    record = load_spec(path).record_schema
    assert record.columns["extracted"].schema_document() == {"type": "object", "required": ["total"]}
    assert record.text_fields == ["text"]


def test_a_seed_cell_outside_its_declaration_is_refused():
    label = RecordSchema(
        columns={"text": {}, "label": {"type": "category", "values": ["a", "b"]}}, label="label", text_fields=["text"]
    ).columns["label"]
    assert seed_value("a", label) == "a" and seed_value(None, label) is None
    with pytest.raises(ValueError, match="'c' is not one of a, b"):
        seed_value("c", label)
    extracted, schema = EXTRACTION.columns["extracted"], {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert json.loads(seed_value({"n": 1}, extracted, schema)) == {"n": 1}
    with pytest.raises(ValueError, match=r"at \$\.n: '1 kg' is not of type 'integer'"):
        seed_value({"n": "1 kg"}, extracted, schema)
    with pytest.raises(ValueError, match="not JSON"):
        seed_value('{"n": 1,}', extracted)


@pytest.mark.parametrize(
    ("name", "bad_row", "message"),
    [
        ("labelled", {"text": "Where is my parcel?", "label": "refunds"}, r"row 3: label: 'refunds' is not one of"),
        (
            "extraction",
            {"text": "INVOICE 1", "category": "invoice", "extracted": {"vendor": "A", "total": "12 EUR"}},
            r"row 3: extracted: breaks its JSON Schema at \$",
        ),
    ],
)
def test_a_seed_row_that_breaks_its_record_fails_the_spec_naming_its_row(tmp_path, name, bad_row, message):
    spec = load_spec(SPECS / f"{name}.yaml")
    seeds = tmp_path / "seeds.jsonl"
    good = pd.read_json(spec.seed_data.path, lines=True).head(2).to_dict("records")
    seeds.write_text("".join(json.dumps(row, default=str) + "\n" for row in [*good, bad_row]))
    spec = spec.model_copy(update={"seed_data": spec.seed_data.model_copy(update={"path": seeds})})
    with pytest.raises(SpecError, match=message):
        load_real_rows(spec)
