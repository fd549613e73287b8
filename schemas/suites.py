"""GX expectation suites, derived in code from the built-in records and stored as JSON under schemas/suites/."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from schemas.record_builtins import BUILT_IN
from schemas.record_derived import record_suite

SUITES_DIR = Path(__file__).resolve().parent / "suites"


def expectation(type_: str, reason: str, **kwargs) -> dict:
    """One expectation as stored: GX type and kwargs, and the rejection reason it gives a row."""
    return {"type": type_, "kwargs": kwargs, "meta": {"reason": reason}}


# Each built-in record's suite, derived from its declaration (schemas/record_derived.py) and stored as JSON.
SUITE_BUILDERS = {f"{name}_record": partial(record_suite, record) for name, record in BUILT_IN.items()}


def suite_path(name: str) -> Path:
    return SUITES_DIR / f"{name}.json"


def load_suite(name: str) -> dict:
    """A stored suite by name, read from SUITES_DIR only; KeyError names the known ones."""
    path = suite_path(name).resolve()
    if path.parent != SUITES_DIR or not path.is_file():
        raise KeyError(f"no suite {name!r} in {SUITES_DIR} (known: {', '.join(sorted(SUITE_BUILDERS))})")
    return json.loads(path.read_text())


def write_suites() -> list[Path]:
    """Regenerate the stored JSON from code (`make suites`); a test checks they agree."""
    SUITES_DIR.mkdir(exist_ok=True)
    paths = []
    for name, build in SUITE_BUILDERS.items():
        suite_path(name).write_text(json.dumps(build(), indent=2) + "\n")
        paths.append(suite_path(name))
    return paths


if __name__ == "__main__":
    for written in write_suites():
        print(written)
