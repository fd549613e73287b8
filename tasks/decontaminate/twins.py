"""An eval item's number twin: the same words with every number written in digits changed.

A template sibling ("Maria has 3 apples and buys 4 more" against "Maria has 6 apples and buys 7 more") asks
another question, so it is a negative, and the hardest kind for a contamination check: its wording is the item's.
An eval set's items against their nearest other items hold few such pairs (a benchmark is not written as
templates), so a threshold calibrated on them alone lets a set's siblings through; tasks/decontaminate/eval_index.py
calibrates on the twins too. Numbers written as words ("twice", "half", "five") are kept, as a sibling written
from the same template keeps some of its numbers.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")


def _other(match: re.Match) -> str:
    value = float(match.group().replace(",", ""))
    changed = value + 3 if value == int(value) else round(value * 1.5 + 0.25, 2)
    return str(int(changed)) if changed == int(changed) else f"{changed:g}"


def number_twin(text: str) -> str | None:
    """The text with every number written in digits changed to another value; None when it has none."""
    twin = _NUMBER.sub(_other, text)
    return twin if twin != text else None
