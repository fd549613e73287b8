"""Cheap text features shared by dedup and decontamination: normal forms and word n-grams (numbers are read by
tasks/similarity/numbers.py)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pandas as pd

from schemas import records as col

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


def comparable_text(frame: pd.DataFrame) -> list[str]:
    """What two records are compared on: the task and its context, not the answer."""
    return (frame[col.INSTRUCTION].fillna("") + "\n" + frame[col.INPUT].fillna("")).str.strip().tolist()
