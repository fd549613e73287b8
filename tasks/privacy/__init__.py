"""Privacy: personal data and secrets found in text (pii.py, secrets.py), replaced by hashed markers (redact.py),
and kept out of everything a build publishes or shows (guard.py).

Every detector returns all its findings with their spans; nothing here imports Prefect.
"""
