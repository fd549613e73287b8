"""Jinja2 templates for records and prompts: one strict, sandboxed environment and stable hashes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, meta
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=256)
def compile_template(source: str):
    return _ENV.from_string(source)


def template_variables(source: str) -> set[str]:
    """Names a template reads from its context (raises jinja2.TemplateSyntaxError when malformed)."""
    return meta.find_undeclared_variables(_ENV.parse(source))


def render(source: str, values: dict[str, Any]) -> str:
    return compile_template(source).render(**values).strip()
