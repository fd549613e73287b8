"""Attacks as fixtures: each test is one way untrusted output tried to get out, and must fail."""
