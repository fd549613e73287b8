"""Generation: candidate rows from the spec's generator (offline templates, Anthropic, OpenAI-compatible servers)."""
