"""Cheap text features shared by dedup and decontamination: normal forms and word n-grams (numbers are read by
tasks/similarity/numbers.py)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pandas as pd

from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema, field_text

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalize_text(text: str) -> str:
    """Case, accents, punctuation and spacing folded away: equal normal forms are exact duplicates."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD.findall(text))


def exact_key(text: str) -> str:
    return hashlib.sha1(normalize_text(text).encode()).hexdigest()


def word_tokens(text: str) -> list[str]:
    return normalize_text(text).split()


def word_ngrams(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def comparable_text(frame: pd.DataFrame, record: RecordSchema = INSTRUCTION) -> list[str]:
    """What two records are compared on: the record's text fields (the task and its context, not the answer; a
    chat's user turns), one text per row."""
    parts = [_column_text(frame, name, record.columns[name].type) for name in record.text_fields]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "\n" + part
    return joined.str.strip().tolist()


def _column_text(frame: pd.DataFrame, name: str, type_: str) -> pd.Series:
    if type_ == "messages":
        return frame[name].map(lambda value: field_text(value, type_, user_only=True)).astype(object)
    return frame[name].fillna("").astype(str)
