"""Sentence embeddings of the bundled all-MiniLM-L6-v2 model (int8 ONNX by default) and their cache."""
