"""Programmatic validators: checks a row passes or fails on its own text, each with a reason.

Arithmetic follows the GSM8K convention: calculator annotations `<<48/2=24>>` must compute, and a final
`#### N` answer must equal the last annotation's result.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from collections.abc import Callable
from typing import Any

import jsonschema

from schemas.record_schema import Column, turns

REFUSALS = re.compile(
    r"\b(?:as an ai(?: language)? model|i(?:'m| am) (?:just )?an ai\b|i cannot (?:help|assist|provide) with"
    r"|i(?:'m| am) (?:sorry|afraid),? (?:but )?i (?:can(?:'|no)t|am unable)|i(?:'m| am) unable to "
    r"(?:help|assist|comply))",
    re.IGNORECASE,
)
_ANNOTATION = re.compile(r"<<([^<>=]+)=([^<>]+)>>")
_FINAL = re.compile(r"####\s*(-?[\d,]*\.?\d+)")
_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def find_refusal(text: str) -> str | None:
    match = REFUSALS.search(text or "")
    return match.group() if match else None


def find_forbidden(text: str, forbidden: list[str]) -> str | None:
    lowered = (text or "").casefold()
    return next((s for s in forbidden if s.casefold() in lowered), None)


def evaluate_arithmetic(expression: str) -> float:
    """The value of + - * / // % ** expressions over numbers; ValueError for anything else."""

    def walk(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > 64:
                raise ValueError("exponent too large")
            return _OPERATORS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](walk(node.operand))
        raise ValueError(f"not arithmetic: {ast.dump(node)[:60]}")

    try:
        return walk(ast.parse(expression.replace(",", "").strip(), mode="eval").body)
    except (SyntaxError, ZeroDivisionError, OverflowError) as error:
        raise ValueError(str(error)) from None


def _number(text: str) -> float:
    return float(text.replace(",", "").strip())


def check_arithmetic(output: str) -> str | None:
    """None when every annotation computes and the final answer matches, else what is wrong."""
    annotations = _ANNOTATION.findall(output or "")
    last = None
    for expression, claimed in annotations:
        try:
            value, last = evaluate_arithmetic(expression), _number(claimed)
        except ValueError as error:
            return f"<<{expression}={claimed}>> does not compute: {error}"
        if abs(value - last) > 1e-6 * max(1.0, abs(value)):
            return f"<<{expression}={claimed}>> is wrong: {expression} = {value:g}"
    final = _FINAL.search(output or "")
    if final and last is not None and abs(_number(final.group(1)) - last) > 1e-6 * max(1.0, abs(last)):
        return f"final answer {final.group(1)} differs from the last calculation {last:g}"
    if not annotations and not final:
        return "no calculation to check"
    return None


def check_json_output(output: str, schema: dict) -> str | None:
    """None when the output is JSON that satisfies the schema, else why not."""
    try:
        jsonschema.validate(json.loads(output), schema)
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg} at line {error.lineno}"
    except jsonschema.ValidationError as error:
        return f"schema: {error.message}"[:300]
    return None


def check_turns(name: str, value: Any, column: Column) -> str | None:
    """What is wrong with a messages column's number of turns (GX's length expectation does not fail an empty list):
    fewer than min_length (at least one when required) or more than max_length, else None. An optional chat left out
    passes."""
    if value is None and not column.required:
        return None
    count = len(turns(value))
    fewest = column.min_length if column.min_length is not None else int(column.required)
    if count < fewest:
        return f"{name} has {count} turns, fewer than the {fewest} the record allows"
    if column.max_length is not None and count > column.max_length:
        return f"{name} has {count} turns, more than the {column.max_length} the record allows"
    return None
