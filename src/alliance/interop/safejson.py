"""JSON from outside, read with a nesting limit: a clear error instead of a RecursionError."""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Deeper than any document Alliance reads (a FHIR QuestionnaireResponse with groups nested
# twenty deep is about forty levels); Python's own parser gives up near a thousand.
MAX_DEPTH = 64

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class JsonInputError(ValueError):
    """The text is not JSON Alliance will read; the message says why."""


def _refuse_constant(name: str) -> Any:
    # Python's parser reads NaN, Infinity and -Infinity, which JSON does not allow; an answer
    # of NaN would score as a number and break every sum it joins.
    raise JsonInputError(f"{name} is not a JSON number; write a number or leave the answer out")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError(f"the number {text[:40]} is too large to read")
    return value


def nesting_depth(text: str) -> int:
    """Return the deepest nesting of arrays and objects in `text` (strings are skipped)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text, refusing bad encoding, bad syntax and nesting deeper than `max_depth`."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"not UTF-8 text (byte {exc.start})") from None
    depth = nesting_depth(data)
    if depth > max_depth:
        raise JsonInputError(
            f"nested {depth} levels deep; at most {max_depth} levels of arrays and objects are read"
        )
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (CPython's limit)
        if isinstance(exc, JsonInputError):
            raise
        raise JsonInputError(f"a number is too long to read: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JsonInputError("nested too deeply to read") from None
