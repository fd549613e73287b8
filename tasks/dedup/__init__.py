"""Deduplication: exact, embedding and MinHash near duplicates, against real rows and every published version."""
