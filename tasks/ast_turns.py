"""Python 3.11 before 3.11.8 keeps one AST-construction depth counter for all threads (CPython gh-106905). When a
garbage collection inside one thread's `ast.parse` lets another thread parse, the first fails with "SystemError: AST
constructor recursion depth mismatch". Stage shards run in threads and every `np.load` reads its header with
`ast.literal_eval`; a decontamination shard failed that way in CI. On those interpreters, parses take turns."""

import ast
import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

FIXED_IN = (3, 11, 8)


def taking_turns(parse: Callable[..., Any]) -> Callable[..., Any]:
    """`parse` that one thread runs at a time (re-entrant: a finalizer may parse inside a parse of its own thread)."""
    turn = threading.RLock()

    @functools.wraps(parse)
    def parse_in_turn(*args: Any, **kwargs: Any) -> Any:
        with turn:
            return parse(*args, **kwargs)

    parse_in_turn.takes_turns = True  # type: ignore[attr-defined]
    return parse_in_turn


def make_parses_take_turns(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> None:
    """Wrap `ast.parse` (which `ast.literal_eval` calls) once, on interpreters without the fix."""
    if version < FIXED_IN and not getattr(ast.parse, "takes_turns", False):
        ast.parse = taking_turns(ast.parse)
