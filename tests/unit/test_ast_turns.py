import ast
import gc
import sys
import threading

import pytest

import tasks  # noqa: F401  (importing the package makes parses take turns)
from tasks.ast_turns import FIXED_IN, make_parses_take_turns

HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + ", ".join(map(str, range(64))) + "), }"


def deeper(depth: int, parse) -> None:
    if depth:
        return deeper(depth - 1, parse)
    parse(HEADER, mode="eval")


def errors_when_another_thread_parses_during_a_collection(parse) -> list[BaseException]:
    """Parse here; the third collection inside the parse (the first come before the parser builds Python objects)
    lets a thread deeper in its stack parse."""
    errors: list[BaseException] = []
    collections = 0

    def other_parse() -> None:
        try:
            deeper(40, parse)
        except SystemError as error:
            errors.append(error)

    other = threading.Thread(target=other_parse)
    armed = False

    def let_the_other_thread_parse(phase: str, info: dict) -> None:
        nonlocal armed, collections
        if armed and phase == "start" and threading.current_thread() is threading.main_thread():
            collections += 1
            if collections < 3:
                return
            armed = False
            other.start()
            other.join(timeout=0.2)  # when parses take turns, the other thread waits for this one

    threshold = gc.get_threshold()
    gc.collect()
    gc.callbacks.append(let_the_other_thread_parse)
    gc.set_threshold(1)
    try:
        armed = True
        parse(HEADER, mode="eval")
    except SystemError as error:
        errors.append(error)
    finally:
        armed = False
        gc.set_threshold(*threshold)
        gc.callbacks.remove(let_the_other_thread_parse)
        if other.ident is not None:
            other.join()
    assert collections == 3, "the parse must collect at least three times for the other thread to run inside it"
    return errors


def test_a_parse_survives_another_threads_parse_during_its_collection():
    assert errors_when_another_thread_parses_during_a_collection(ast.parse) == []


@pytest.mark.skipif(tuple(sys.version_info[:3]) >= FIXED_IN, reason="this interpreter has the fix")
def test_the_interpreter_without_the_fix_fails_the_same_parse():
    unguarded = getattr(ast.parse, "__wrapped__", ast.parse)
    errors = errors_when_another_thread_parses_during_a_collection(unguarded)
    assert [type(error) for error in errors] == [SystemError]
    assert "recursion depth mismatch" in str(errors[0])


def test_parses_are_wrapped_once_and_only_where_the_interpreter_needs_it(monkeypatch):
    original = getattr(ast.parse, "__wrapped__", ast.parse)
    monkeypatch.setattr(ast, "parse", original)
    make_parses_take_turns(FIXED_IN)
    assert ast.parse is original
    make_parses_take_turns((3, 11, 7))
    wrapped = ast.parse
    make_parses_take_turns((3, 11, 7))
    assert ast.parse is wrapped and wrapped.__wrapped__ is original
