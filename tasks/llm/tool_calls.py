"""Forced tool calls: the structured reply a model gives through the one tool it was told to call."""

from __future__ import annotations

from typing import Any


def tool_input(message: dict[str, Any] | None, tool_name: str) -> dict[str, Any] | None:
    """The input of the reply's first `tool_name` call, or None when the reply has none."""
    for block in (message or {}).get("content", []) or []:
        if block.get("type") == "tool_use" and block.get("name") == tool_name:
            return block.get("input") or {}
    return None
