"""Cheap text features shared by dedup and decontamination: normal forms, word n-grams, numbers."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

import pandas as pd

from schemas import records as col

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "_",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
    if w != "_"  # "one" is mostly a pronoun ("each one"), not a number
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000"}


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


def number_counts(text: str) -> Counter[str]:
    """Each number a text states, in digits, with how often it states it."""
    digits = [n.replace(",", "") for n in _NUMBER.findall(text or "")]
    words = [_NUMBER_WORDS[w] for w in _WORD.findall((text or "").casefold()) if w in _NUMBER_WORDS]
    return Counter(digits + words)


def numbers_in(text: str) -> frozenset[str]:
    """The numbers a text states, in digits; two texts about different numbers are different items."""
    return frozenset(number_counts(text))


def numbers_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near duplicates state the same numbers."""
    return a == b


def numbers_covered(item: frozenset[str], candidate: frozenset[str]) -> bool:
    """A candidate can only copy an item if it states every number the item states."""
    return item <= candidate


def may_restate(item: Counter[str], part: Counter[str], candidate: Counter[str]) -> bool:
    """Whether a candidate's numbers allow it to restate an item through one of its parts: a candidate with no
    numbers may restate anything; one with numbers must state each of the part's numbers as often as the part
    does ("6 and 6 more" is not "6 and 5 more"), and no number the item lacks, unless the item has none
    (a rephrasing may add its answer)."""
    if not candidate:
        return True
    return not (part - candidate) and (not item or set(candidate) <= set(item))


def comparable_text(frame: pd.DataFrame) -> list[str]:
    """What two records are compared on: the task and its context, not the answer."""
    return (frame[col.INSTRUCTION].fillna("") + "\n" + frame[col.INPUT].fillna("")).str.strip().tolist()
