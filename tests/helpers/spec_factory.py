"""A small valid spec in a temporary folder, for tests to break one field at a time."""

import json
from pathlib import Path

import yaml


def write_spec(folder: Path, **overrides) -> Path:
    (folder / "seeds.jsonl").write_text(
        "".join(
            json.dumps({"id": f"s{i}", "instruction": f"Real task number {i} here", "input": "", "output": "ok"}) + "\n"
            for i in range(4)
        )
    )
    (folder / "eval.jsonl").write_text(
        json.dumps({"id": "e1", "text": "What is the boiling point of water at sea level?"}) + "\n"
    )
    spec = {
        "dataset": "tiny",
        "purpose": "tests",
        "use_limits": ["tests only"],
        "seed_data": {"path": "seeds.jsonl"},
        "eval_sets": [{"name": "evalset", "path": "eval.jsonl"}],
        "generator": {
            "backend": "template",
            "rows": 6,
            "seed": 1,
            "samplers": {"n": {"type": "integer", "min": 1, "max": 3}},
            "templates": [
                {
                    "id": "count",
                    "category": "counting",
                    "instruction": "Count to {{ n }} out loud, please.",
                    "output": "{{ n }}",
                }
            ],
        },
        "blend": {"max_synthetic_share": 0.5},
    }
    for dotted, value in overrides.items():
        node, *path, last = [spec, *dotted.split(".")]
        for key in path:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def llm_generator(backend: str = "anthropic", model: str = "claude-x", **fields) -> dict:
    """A minimal LLM generator section for a spec (2 rows, a one-line prompt), with `fields` on top."""
    return {
        "backend": backend,
        "rows": 2,
        "model": model,
        "prompt_id": "p",
        "category": "c",
        "system_prompt": "s",
        "prompt": "hi",
        **fields,
    }
