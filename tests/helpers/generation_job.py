"""Run one generation against a fake server, in a process of its own (so a test can kill -9 it).
Usage: python -m tests.helpers.generation_job CONFIG_JSON CACHE_PATH OUT_JSON [GO_FIFO]
With GO_FIFO the job imports everything, then waits for a line on that FIFO, so several jobs start together."""

import json
import sys
from pathlib import Path

from schemas.spec import AnthropicGenerator
from tasks.generate.anthropic import generate_with_anthropic
from tasks.llm.request_cache import RequestCache

if __name__ == "__main__":
    config = AnthropicGenerator.model_validate_json(Path(sys.argv[1]).read_text())
    if len(sys.argv) > 4:
        with open(sys.argv[4]) as go:
            go.readline()
    rows, rejects, _ = generate_with_anthropic(config, [], cache=RequestCache(sys.argv[2]))
    Path(sys.argv[3]).write_text(json.dumps(rows + rejects, default=str))
