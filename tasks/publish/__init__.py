"""Publishing: an immutable version with its manifest, card, diversity report and quarantine."""
