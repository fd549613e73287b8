"""Decontamination: no row may copy or rephrase an item of a registered held-out eval set."""
