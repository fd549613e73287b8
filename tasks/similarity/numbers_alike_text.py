"""A text with every number written one way, for the encoder: "thrice", "3 times" and "three times" all become
"3 ...", "a quarter" and "25%" both "0.25", "a twenty-dollar shirt" and "a $20 shirt" both "a 20 shirt".

A rephrasing that writes its numbers otherwise then embeds near its item, so the cosine itself credits numbers
stated alike, where a text that only shares the numbers stays as far as its words make it. Each number is read as
tasks/similarity/numbers.py reads it and written as its smallest plain value (a date as "date <month> <day>").
The words come out folded and without punctuation, as the numbers are read from them.
Builds do not embed these texts yet: `bench/feature_sweep.py --numbers-alike-vectors` measures them, and
docs/detection.md ("Numbers written alike before embedding") says what it gains and what it costs at the defaults.
"""

from __future__ import annotations

from tasks.similarity.numbers import Mention, mentions_at, number_tokens


def _written(mention: Mention) -> str:
    plain = sorted((value for value in mention if isinstance(value, float)), key=abs)
    if plain:
        return f"{plain[0]:g}"
    dates = sorted(value for value in mention if isinstance(value, tuple) and value[0] == "date")
    return " ".join(["date", *(f"{part:g}" for part in dates[0][1:])]) if dates else ""


def numbers_written_alike(text: str) -> str:
    """text with each number it states written as one plain value, however the text wrote it."""
    words = number_tokens(text)
    out: list[str] = []
    end = 0
    for start, used, mention in mentions_at(words):
        out += words[end:start]
        out.append(_written(mention) or " ".join(words[start : start + used]))
        end = start + used
    return " ".join(out + words[end:])
