"""Downstream evaluation: a model trained on the blend faces a real held-out test set before LATEST moves."""
