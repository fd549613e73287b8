"""The spec reference (docs/spec.md), generated from the pydantic models so it cannot go stale.

`python -m schemas.spec_reference` rewrites it; a test fails when the stored file differs from the models.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from schemas.spec import Spec

REFERENCE_PATH = Path(__file__).resolve().parents[1] / "docs" / "spec.md"
HEADER = """# Spec reference

Generated from the models in [schemas/spec.py](../schemas/spec.py) by `python -m schemas.spec_reference`; do not
edit by hand. A spec is YAML; unknown keys and wrong types fail with the field's name, and paths are relative to
the spec file. Secrets and hostnames never go in a spec: they come from the environment.
"""


def type_name(annotation: object) -> str:
    """A short, readable name for a field's type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(type_name(a) for a in args)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (list, tuple, set):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}" if args else "map"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def nested_models(annotation: object) -> list[type[BaseModel]]:
    """The models a field's type refers to, in order."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in nested_models(arg)]


def one_line(text: str | None) -> str:
    """A description in a table cell: a docstring's line breaks would end the row."""
    return " ".join((text or "").split())


def default_text(field: typing.Any) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is PydanticUndefined:
        return ""
    if isinstance(value, BaseModel):
        return "(see below)"
    return f"`{value!r}`" if value not in ({}, []) else "empty"


def model_section(path: str, model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    rows = [
        f"| `{name}` | {type_name(field.annotation)} | {default_text(field)} | {one_line(field.description)} |"
        for name, field in model.model_fields.items()
    ]
    table = "| field | type | default | meaning |\n|---|---|---|---|\n" + "\n".join(rows)
    title = f"`{path}` ({model.__name__})" if path else f"The spec ({model.__name__})"
    return f"## {title}\n\n" + (f"{doc}\n\n" if doc else "") + table + "\n"


def render_reference() -> str:
    """Every model reachable from Spec, depth first, each once, under the first path that reaches it."""
    sections, seen = [HEADER], set()

    def visit(path: str, model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        sections.append(model_section(path, model))
        for name, field in model.model_fields.items():
            for nested in nested_models(field.annotation):
                visit(f"{path}.{name}" if path else name, nested)

    visit("", Spec)
    return "\n".join(sections)


if __name__ == "__main__":
    REFERENCE_PATH.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE_PATH.write_text(render_reference())
    print(f"wrote {REFERENCE_PATH}")
