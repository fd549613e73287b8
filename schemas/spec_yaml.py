"""Reading a spec file as YAML a person wrote: bounded in size, UTF-8, no anchors or aliases, no repeated keys.

A spec is small and hand-written, so anything else is a mistake or an attack: aliases can expand a 1 KB file
into gigabytes (a "billion laughs"), and PyYAML silently keeps the last of two equal keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from schemas.spec_base import SpecError

MAX_SPEC_BYTES = 1_000_000


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and duplicate keys, naming the line."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            kind = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            raise SpecError(
                f"line {event.start_mark.line + 1}: YAML {kind}{event.anchor} is not allowed in a spec; write the "
                "value out"
            )
        return super().compose_node(parent, index)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except SpecError:
            raise
        except (ValueError, TypeError, KeyError) as error:  # a tagged or implicit scalar PyYAML cannot build
            raise SpecError(
                f"line {node.start_mark.line + 1}: {node.value if isinstance(node.value, str) else node.tag!r} "
                f"is not a valid {node.tag.rsplit(':', 1)[-1]} ({error})"
            ) from None

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                continue  # unhashable keys fail below with PyYAML's own message
            if key in seen:
                raise SpecError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_spec_yaml(text: str) -> Any:
    """The YAML document in text; SpecError (without the file name) for anything a spec may not use."""
    try:
        return yaml.load(text, Loader=_SpecLoader)  # noqa: S506  (a SafeLoader subclass)
    except SpecError:
        raise
    except yaml.YAMLError as error:
        raise SpecError(f"not valid YAML: {' '.join(str(error).split())}") from None
    except (ValueError, TypeError, KeyError) as error:  # a tag PyYAML cannot apply to the node it is on (!!map [1])
        raise SpecError(f"not valid YAML: {error}") from None


def read_spec_text(path: Path) -> str:
    """The spec file's text: SpecError naming the file when it is missing, a folder, too large or not UTF-8."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, not a spec file") from None
    except OSError as error:
        raise SpecError(f"{path}: cannot be read: {error.strerror}") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(f"{path}: larger than the {MAX_SPEC_BYTES:,} bytes a spec may have")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SpecError(f"{path}: not UTF-8 text (byte {error.start}, line {line})") from None
