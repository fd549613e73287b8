"""The files a spec names, read and checked and turned into rows: the seed rows and the eval items (the spec-wide
checks before a build are tasks/spec_checks.py).

Every failure is a SpecError naming the spec field and the file, raised before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from schemas import records as col
from schemas.record_derived import row_schema
from schemas.record_schema import Column, RecordSchema
from schemas.record_values import seed_value
from schemas.spec import EvalSet, Spec, SpecError
from tasks.fingerprints import content_hash, file_sha256
from tasks.tables import TableError, read_table, require_column, require_text
from tasks.verify.validators import check_turns


@dataclass(frozen=True)
class EvalItems:
    ids: list[str]
    texts: list[str]
    hashes: dict[str, str]  # eval set name -> sha256 of its file


def _read(path, field: str) -> pd.DataFrame:
    try:
        return read_table(path)
    except TableError as error:
        raise SpecError(f"{field}: {error}") from None


def load_real_rows(spec: Spec) -> pd.DataFrame:
    """The seed data as rows of the record's row schema, marked source=real. The record's required columns must be
    there (an open label column without values defaults to "real"); values are read as their declared types."""
    record, path = spec.record_schema, spec.seed_data.path
    frame = _read(path, "seed_data.path")
    if frame.empty:
        raise SpecError(f"seed_data.path: {path} has no rows; a real-data anchor is required")
    rows = pd.DataFrame(index=frame.index)
    for name, column in record.columns.items():
        defaulted = name == record.label and not column.values
        if column.required and not defaulted:
            try:
                require_column(frame, name, path)
            except TableError as error:
                raise SpecError(f"seed_data.path: {error}") from None
        if column.type == "text":
            _check_scalar_texts(frame, name, path)
            rows[name] = _text_column(frame, name, "")
        elif defaulted:
            rows[name] = _text_column(frame, name, "real")
        else:
            rows[name] = _typed_column(frame, name, column, path)
    _check_seed_texts(frame, rows, record, path)
    rows[col.ID] = _seed_ids(frame, rows, path)
    if rows[col.ID].duplicated().any():
        raise SpecError(f"seed_data.path: {path} repeats id {rows[col.ID][rows[col.ID].duplicated()].iloc[0]!r}")
    rows[col.SOURCE] = col.SOURCE_REAL
    for name in (*col.PROVENANCE_COLUMNS[1:], col.JUDGE_SCORE, *col.LLM_COLUMNS):
        rows[name] = None
    return rows[row_schema(record).names].reset_index(drop=True)


def _seed_ids(frame: pd.DataFrame, rows: pd.DataFrame, path) -> pd.Series | list[str]:
    """The seed file's ids as text, or content hashes when it has no id column; SpecError names a row without one
    (pandas reads a missing or null id as NaN, which Arrow then refused deep in the build)."""
    if col.ID not in frame:
        return [f"real-{content_hash(r)}" for r in rows.to_dict("records")]
    missing = frame[col.ID].isna() | (frame[col.ID].astype(str).str.strip() == "")
    if missing.any():
        raise SpecError(f"seed_data.path: {path} row {int(missing.to_numpy().argmax()) + 1} has no {col.ID}")
    return frame[col.ID].astype(str)


def _check_scalar_texts(frame: pd.DataFrame, column: str, path) -> None:
    """A text column holds no JSON object or array: str() made Python's repr of one ("{'a': 1}") a published text."""
    if column not in frame:
        return
    for position, value in enumerate(frame[column].tolist()):
        if pd.api.types.is_list_like(value):  # a dict, a list, or a Parquet list (a numpy array)
            kind = "an object" if isinstance(value, dict) else "a list"
            raise SpecError(f"seed_data.path: {path} row {position + 1}: {column} is {kind}, not a text")


def _text_column(frame: pd.DataFrame, column: str, missing: str) -> pd.Series:
    """A column as str, `missing` where the column or a row's value is absent (JSON Lines rows may omit a key)."""
    if column not in frame:
        return pd.Series(missing, index=frame.index, dtype=object)
    return frame[column].map(lambda value: missing if value is None or value != value else str(value)).astype(object)


def _typed_column(frame: pd.DataFrame, name: str, column: Column, path) -> pd.Series:
    """A seed column read as its declared type; SpecError names the first row that is not."""
    if name not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    values, schema = [], column.schema_document()
    for position, value in enumerate(frame[name].tolist()):
        try:
            values.append(seed_value(value, column, schema))
        except (TypeError, ValueError) as error:
            raise SpecError(f"seed_data.path: {path} row {position + 1}: {name}: {error}") from None
    return pd.Series(values, index=frame.index, dtype=object)


def _check_seed_texts(frame: pd.DataFrame, rows: pd.DataFrame, record: RecordSchema, path) -> None:
    """Every seed row has its required texts, each chat its turns, and no text longer than the record allows."""
    for name in record.of_type("text"):
        if record.columns[name].required:
            empty = frame[name].isna() | (rows[name].str.strip() == "")
            if empty.any():
                raise SpecError(f"seed_data.path: {path} row {int(empty.to_numpy().argmax()) + 1} has no {name}")
    for name in record.of_type("messages"):
        for position, value in enumerate(rows[name].tolist()):
            if problem := check_turns(name, value, record.columns[name]):
                raise SpecError(f"seed_data.path: {path} row {position + 1}: {problem}")
    for name, column in record.columns.items():
        if column.max_length is None or column.type not in ("text", "json"):
            continue
        lengths = rows[name].fillna("").str.len()
        if (lengths > column.max_length).any():
            row = int((lengths > column.max_length).to_numpy().argmax())
            raise SpecError(
                f"seed_data.path: {path} row {row + 1}: {name} has {lengths.iloc[row]:,} characters, more than the "
                f"{column.max_length:,} a record allows"
            )


def _eval_set_items(index: int, eval_set: EvalSet) -> tuple[list[str], list[str]]:
    field = f"eval_sets.{index}"
    frame = _read(eval_set.path, f"{field}.path")
    if frame.empty:
        raise SpecError(f"{field}.path: {eval_set.path} has no rows")
    for key in ("text_field", "id_field"):
        if getattr(eval_set, key) not in frame.columns:
            raise SpecError(
                f"{field}.{key}: no column {getattr(eval_set, key)!r} in {eval_set.path} (columns: "
                f"{', '.join(map(str, frame.columns))})"
            )
    for key in ("text_field", "id_field"):
        try:
            require_text(frame, getattr(eval_set, key), eval_set.path)
        except TableError as error:
            raise SpecError(f"{field}.{key}: {error}") from None
    item_ids = frame[eval_set.id_field].astype(str)
    if item_ids.duplicated().any():  # a contamination report names its nearest eval item by id
        raise SpecError(f"{field}.id_field: {eval_set.path} repeats id {item_ids[item_ids.duplicated()].iloc[0]!r}")
    return [f"{eval_set.name}:{i}" for i in item_ids], frame[eval_set.text_field].fillna("").astype(str).tolist()


def load_eval_items(spec: Spec) -> EvalItems:
    """Every registered eval item, with ids prefixed by its set's name."""
    ids, texts = [], []
    for index, eval_set in enumerate(spec.eval_sets):
        set_ids, set_texts = _eval_set_items(index, eval_set)
        ids += set_ids
        texts += set_texts
    return EvalItems(ids, texts, {e.name: file_sha256(e.path) for e in spec.eval_sets})
