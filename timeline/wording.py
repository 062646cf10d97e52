"""Validation problems in the record's own words, never the validation library's.

pydantic says "Input should be less than or equal to 90" or "Value error, must not
be empty"; users of `timeline` read "must be at most 90" and "must not be empty".
Every place that reports a pydantic error goes through `describe` / `problem`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

_BY_TYPE = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "none_required": "must be null",
}


def problem(item: Any) -> str:
    """One pydantic error item as 'where: what is expected' (or a missing / unknown field)."""
    where = ".".join(str(p) for p in item.get("loc", ()))
    kind = item.get("type", "")
    if kind == "missing":
        return f"missing required field {where!r}"
    if kind == "extra_forbidden":
        return f"unknown field {where!r}"
    message = _message(kind, item.get("ctx") or {}, str(item.get("msg", "")))
    return f"{where}: {message}" if where else message


def describe(error: ValidationError, limit: int = 3) -> str:
    """The first problems of a validation error on one line (and how many more)."""
    problems = [problem(item) for item in error.errors()[:limit]]
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def readable(message: str) -> str:
    """A message written by the validation library (e.g. via typer), reworded."""
    message = message.replace("Value error, ", "")
    for raw, plain in (
        ("Input should be a valid integer, unable to parse string as an integer", "must be a whole number"),
        ("Input should be a valid number, unable to parse string as a number", "must be a number"),
        ("Input should be a valid boolean, unable to interpret input", "must be true or false"),
        ("Input should be ", "must be "),
    ):
        message = message.replace(raw, plain)
    return _CLICK_TYPE.sub(lambda m: _CLICK_WORDS[m.group(1)], message)


# The command-line parser's own words for a value of the wrong type ("'many' is not a
# valid int."), in the record's.
_CLICK_TYPE = re.compile(r"""(?:'[^']*'|"[^"]*") is not a valid (int|integer|float|boolean)\.""")
_CLICK_WORDS = {
    "int": "must be a whole number",
    "integer": "must be a whole number",
    "float": "must be a number",
    "boolean": "must be true or false",
}


def _message(kind: str, ctx: dict[str, Any], raw: str) -> str:
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    if kind == "value_error":
        return str(ctx.get("error") or raw.removeprefix("Value error, "))
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return (
            f"must be at most {_number(bound)}"
            if kind == "less_than_equal"
            else f"must be below {_number(bound)}"
        )
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return (
            f"must be at least {_number(bound)}"
            if kind == "greater_than_equal"
            else f"must be above {_number(bound)}"
        )
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else f"needs at least {ctx.get('min_length')} characters"
        )
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} items"
    if kind == "string_pattern_mismatch":
        return f"must match the pattern {ctx.get('pattern')}"
    return readable(raw)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
