"""Offline rewrites of development texts that teach the pair scorer what numbers mean, without external data.

- spell_numbers: the same text with numbers written another way ("3 times" -> "thrice", "10 years" ->
  "a decade", "50%" -> "half", "5" -> "five", "3/4" -> "three quarters", "30 minutes" -> "half an hour",
  "$0.90" -> "90 cents", "20%" -> "one in five", "2.5" -> "2 and a half"): a restatement of the same item;
- shift_numbers: the same text with its numbers changed: the same template, another item;
- wrap_in: the text quoted inside a longer one: a copy.
"""

from __future__ import annotations

import re

import numpy as np

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_UNITS = _UNIT_WORDS.split()
_TEN_WORDS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = _TEN_WORDS.split()
_DIGIT_RUN = re.compile(r"(?<![\w.,/^_])\d+(?![\w.,/^_]|,\d)")
_PHRASES = [
    (re.compile(r"\b30 minutes\b"), "half an hour"),
    (re.compile(r"\b45 minutes\b"), "three quarters of an hour"),
    (re.compile(r"\b15 minutes\b"), "a quarter of an hour"),
    (re.compile(r"\b2 weeks\b"), "a fortnight"),
    (re.compile(r"\b18 inches\b"), "a foot and a half"),
    (re.compile(r"\$0\.(\d\d)\b"), r"\1 cents"),
    (re.compile(r"\b20 ?%"), "one in five"),
    (re.compile(r"\b10 ?%"), "one in ten"),
    (re.compile(r"(?<![\d.])(\d+)\.5\b"), r"\1 and a half"),
    (re.compile(r"\b3 times\b"), "thrice"),
    (re.compile(r"\b2 times\b"), "twice"),
    (re.compile(r"\b10 years\b"), "a decade"),
    (re.compile(r"\b100 years\b"), "a century"),
    (re.compile(r"\b50 ?%"), "half"),
    (re.compile(r"\b25 ?%"), "a quarter"),
    (re.compile(r"\b75 ?%"), "three quarters"),
    (re.compile(r"\b12 (?=[a-z])"), "a dozen "),
    (re.compile(r"\b1/2\b"), "one half"),
    (re.compile(r"\b3/4\b"), "three quarters"),
    (re.compile(r"\b1/4\b"), "a quarter"),
    (re.compile(r"\b2/3\b"), "two thirds"),
    (re.compile(r"\b(\d+) ?%"), r"\1 percent"),
    (re.compile(r"\$(\d+)\b(?!\.\d)"), r"\1 dollars"),
    (re.compile(r"\b2 pairs\b"), "4"),
]
_DIGITS = re.compile(r"\d+")


def has_digits(text: str) -> bool:
    return bool(_DIGITS.search(text or ""))


def number_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 ("one hundred and five", "twenty-five")."""
    if n < 20:
        return _UNITS[n]
    if n < 100:
        return _TENS[n // 10] + ("-" + _UNITS[n % 10] if n % 10 else "")
    if n < 1000:
        return _UNITS[n // 100] + " hundred" + (" and " + number_words(n % 100) if n % 100 else "")
    return number_words(n // 1000) + " thousand" + (" " + number_words(n % 1000) if n % 1000 else "")


def spell_numbers(text: str, rng: np.random.Generator) -> str:
    """Numbers written another way; each rewrite applied with probability 0.8, so texts mix notations."""
    for pattern, replacement in _PHRASES:
        if rng.random() < 0.8:
            text = pattern.sub(replacement, text)
    return _DIGIT_RUN.sub(
        lambda m: number_words(int(m.group())) if int(m.group()) < 10**6 and rng.random() < 0.8 else m.group(), text
    )


def shift_numbers(text: str, rng: np.random.Generator) -> str:
    """Every standalone number changed to another (at least one, when the text has any)."""

    def other(match: re.Match) -> str:
        value = int(match.group())
        return str(value + int(rng.integers(1, 6)) if rng.random() < 0.7 else value * 2 + 1)

    shifted = _DIGIT_RUN.sub(other, text)
    return shifted if shifted != text else _DIGITS.sub(other, text, count=1)


def wrap_in(text: str, filler: str, rng: np.random.Generator) -> str:
    """The text quoted inside a longer one: a sentence of `filler` before or after it."""
    piece = filler.split(". ")[0].strip()
    return f"{piece}. Now answer this: {text}" if rng.random() < 0.5 else f"Question: {text} Context: {piece}."
