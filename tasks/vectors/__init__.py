"""FAISS vector indexes over unit vectors, chosen by size."""
