"""An eval item's number twins: the item with its numbers changed, a negative a restatement must out-score.

A template sibling ("Maria has 3 apples and buys 4 more" against "Maria has 6 apples and buys 4 more") asks
another question, so it is a negative, and the hardest kind for a contamination check: its wording is the item's.
An eval set's items against their nearest other items hold few such pairs (a benchmark is not written as
templates), so a threshold calibrated on them alone lets a set's siblings through; tasks/decontaminate/eval_index.py
calibrates on the twins too. Two kinds:
- number_twin: every number written in digits changed, numbers written as words ("twice", "half", "five") kept,
  as a sibling written from the same template keeps some of its numbers;
- one_number_twins: one twin per number the number reading reads (tasks/similarity/numbers.py), that number alone
  changed and written in digits, the rest as the number reading reads the text. A sibling that changes one number
  of three scores far above one that changes all three, and a twin written from the digits alone can miss what
  the reading sees ("9:40" made "9:83" is no time at all).
"""

from __future__ import annotations

import re

from tasks.similarity.numbers import read_numbers

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")


def changed(value: float) -> str:
    """Another value of the same kind, written in digits: a whole number plus 3 (a year stays a year, which only
    another year conflicts with), from 10,000 a quarter more (plus 3 would be a rounding to the number reading),
    any other 1.5 times plus 0.25."""
    if value != int(value):
        other = round(value * 1.5 + 0.25, 2)
    else:
        other = round(value * 1.25) if abs(value) >= 10_000 else value + 3
    return str(int(other)) if other == int(other) else f"{other:g}"


def number_twin(text: str) -> str | None:
    """The text with every number written in digits changed to another value; None when it has none."""
    twin = _NUMBER.sub(lambda match: changed(float(match.group().replace(",", ""))), text)
    return twin if twin != text else None


def one_number_twins(text: str) -> list[str]:
    """The text once per plain number it states, with that number changed: the text as the number reading reads
    it (folded, labels dropped, punctuation kept), as the encoder sees it (tasks/similarity/numbers_alike_text.py)."""
    source, mentions = read_numbers(text)
    twins = []
    for first, last, mention in mentions:
        plain = sorted((value for value in mention if isinstance(value, float)), key=abs)
        if plain:
            twins.append(source[:first] + changed(plain[0]) + source[last:])
    return twins
