"""A spec's validation error as one line naming the field, in the spec's own terms rather than pydantic's."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

UNION_TAGS = {"generator": ("template", "anthropic", "openai")}  # after this key, the backend's tag
SAMPLER_TAGS = ("category", "integer", "float", "person_name", "date", "seed_rows")  # after samplers.<name>


def _is_branch(loc: tuple, index: int) -> bool:
    """pydantic names a union's branches, its tags and validators in the path (`str`, `template`,
    `function-after[...]`); a spec has none of them."""
    part = loc[index]
    if part == "str" or (isinstance(part, str) and "[" in part):
        return True
    after = loc[index - 1] if index else None
    return part in UNION_TAGS.get(str(after), ()) or (
        index >= 2 and loc[index - 2] == "samplers" and part in SAMPLER_TAGS
    )


def _siblings(data: object, loc: tuple) -> list[str]:
    """The keys beside an unknown key in the validated data: the mapping at its parent's path (a union's branch
    names in the path are not keys of the data and are passed over), or none."""
    node: Any = data
    for index, part in enumerate(loc[:-1]):
        in_mapping = isinstance(node, dict) and part in node
        if in_mapping or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            node = node[part]
        elif not _is_branch(loc, index):
            return []
    return [str(key) for key in node if key != loc[-1]] if isinstance(node, dict) else []


def format_validation_error(error: ValidationError, data: object = None) -> str:
    """One line naming the field. An unknown key is named before anything else: a misspelled required key
    is reported as the unknown key it is, with the missing one it probably meant; with the validated `data`, a key
    misspelled beside the one meant (`--set generator.rowz=5` on a spec that sets rows) is guessed as well."""
    errors = error.errors()
    # A mapping given for `str | Model` also fails the str branch; that failure is not what the person got wrong.
    errors = [e for e in errors if not (e["loc"][-1:] == ("str",) and e["type"] == "string_type")] or errors
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    first = unknown[0] if unknown else errors[0]
    loc = first["loc"]
    field = ".".join(str(part) for i, part in enumerate(loc) if not _is_branch(loc, i))
    if not unknown:  # pydantic prefixes a validator's own message with "Value error, "
        message = first["msg"].removeprefix("Value error, ")
        return f"{field}: {message}" if field else message  # the spec's own validators name their fields
    *parent, key = first["loc"]
    missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and list(e["loc"][:-1]) == parent]
    guess = difflib.get_close_matches(str(key), missing, n=1) or difflib.get_close_matches(
        str(key), _siblings(data, tuple(first["loc"])), n=1
    )
    return f"{field}: unknown key" + (f" (did you mean {guess[0]}?)" if guess else "")
