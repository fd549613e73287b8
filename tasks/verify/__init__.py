"""Verification: GX expectations, row checks (validators, PII, memorisation, the code sandbox), judges and review."""
