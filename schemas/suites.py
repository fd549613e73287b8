"""GX expectation suites, built in code from the record columns and stored as JSON under schemas/suites/."""

from __future__ import annotations

import json
from pathlib import Path

from schemas import records as col

SUITES_DIR = Path(__file__).resolve().parent / "suites"


def expectation(type_: str, reason: str, **kwargs) -> dict:
    """One expectation as stored: GX type and kwargs, and the rejection reason it gives a row."""
    return {"type": type_, "kwargs": kwargs, "meta": {"reason": reason}}


def instruction_record_suite() -> dict:
    """The base gates every instruction dataset passes: row-level shape, then batch-level sanity."""
    return {
        "name": "instruction_record",
        "version": 1,
        "expectations": [
            expectation("expect_column_values_to_not_be_null", "gx_id_missing", column=col.ID),
            expectation("expect_column_values_to_be_unique", "gx_id_not_unique", column=col.ID),
            expectation("expect_column_values_to_not_be_null", "gx_instruction_missing", column=col.INSTRUCTION),
            expectation(
                "expect_column_value_lengths_to_be_between",
                "gx_instruction_length",
                column=col.INSTRUCTION,
                min_value=10,
                max_value=col.MAX_CHARS[col.INSTRUCTION],
            ),
            expectation("expect_column_values_to_not_be_null", "gx_output_missing", column=col.OUTPUT),
            expectation(
                "expect_column_value_lengths_to_be_between",
                "gx_output_length",
                column=col.OUTPUT,
                min_value=1,
                max_value=col.MAX_CHARS[col.OUTPUT],
            ),
            expectation(
                "expect_column_value_lengths_to_be_between",
                "gx_input_length",
                column=col.INPUT,
                max_value=col.MAX_CHARS[col.INPUT],
            ),
            expectation("expect_column_values_to_not_be_null", "gx_category_missing", column=col.CATEGORY),
            expectation("expect_table_row_count_to_be_between", "gx_batch_row_count", min_value=1),
        ],
    }


SUITE_BUILDERS = {"instruction_record": instruction_record_suite}


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def load_suite(name: str) -> dict:
    """A stored suite by name, read from SUITES_DIR only; KeyError names the known ones."""
    path = suite_path(name).resolve()
    if path.parent != SUITES_DIR or not path.is_file():
        raise KeyError(f"no suite {name!r} in {SUITES_DIR} (known: {', '.join(sorted(SUITE_BUILDERS))})")
    return json.loads(path.read_text())


def write_suites() -> list[Path]:
    """Regenerate the stored JSON from code (`make suites`); a test checks they agree."""
    SUITES_DIR.mkdir(exist_ok=True)
    paths = []
    for name, build in SUITE_BUILDERS.items():
        suite_path(name).write_text(json.dumps(build(), indent=2) + "\n")
        paths.append(suite_path(name))
    return paths


if __name__ == "__main__":
    for written in write_suites():
        print(written)
