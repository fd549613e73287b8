"""Long eval items split into the pieces a rephrasing may restate on its own.

Many benchmark items are a passage followed by a question; a rephrasing often restates only the question,
and an embedding of the whole item (truncated at the model's sequence limit) never sees it. So an item of
several sentences is also indexed as each of its sentences. Measured on the MMLU development set: pairs of
neighbouring sentences as well gave 56% more vectors and lower recall at every false-positive rate; splitting
only items of 64 words or more (60 to 80 performed alike) gave 19% fewer vectors than splitting all, and
recall at 1% false positives of 0.48 instead of 0.45.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.?!:;\"”])\s+(?=[\"“(\[A-Z0-9])|\n+")
MIN_CHUNK_WORDS = 4
MIN_WORDS_TO_SPLIT = 64  # shorter items fit the model's window whole; their sentences alone are generic
# Bounds that keep one huge item (10 MB) from costing gigabytes and minutes. The encoder reads 256 word pieces,
# which fit in 4,096 characters of text, so a chunk cut there embeds as it did whole. An item is kept to its
# first and last 10,000 characters (passages come first, questions last), twice the longest text a record may
# hold: a candidate could not repeat half the n-grams of anything longer. It gives at most 64 sentence chunks.
MAX_CHUNK_CHARS = 4096
MAX_ITEM_CHARS = 20_000
MAX_SENTENCE_CHUNKS = 64


def bounded_item(text: str) -> str:
    """The item as indexed: whole when at most MAX_ITEM_CHARS, else its first and last halves of that."""
    if len(text) <= MAX_ITEM_CHARS:
        return text
    half = MAX_ITEM_CHARS // 2
    return text[:half] + "\n" + text[-half:]


def sentences(text: str) -> list[str]:
    parts = (p.strip() for p in _SENTENCE_END.split(text or ""))
    return [p for p in parts if p]


def chunks(text: str) -> list[str]:
    """The item itself, then (for items of MIN_WORDS_TO_SPLIT words or more) each distinct sentence of at
    least MIN_CHUNK_WORDS words, up to MAX_SENTENCE_CHUNKS of them; each cut to MAX_CHUNK_CHARS."""
    whole = text[:MAX_CHUNK_CHARS]
    if len(text.split()) < MIN_WORDS_TO_SPLIT:
        return [whole]
    pieces = sentences(text)
    if len(pieces) < 2:
        return [whole]
    kept = [p[:MAX_CHUNK_CHARS] for p in dict.fromkeys(pieces) if len(p.split()) >= MIN_CHUNK_WORDS and p != text]
    if len(kept) > MAX_SENTENCE_CHUNKS:
        half = MAX_SENTENCE_CHUNKS // 2
        kept = kept[:half] + kept[-half:]
    return [whole] + kept
