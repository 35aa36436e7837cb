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


class _Constant:
    """NaN, Infinity or -Infinity where a value stood: refused once its key is known."""

    def __init__(self, name: str) -> None:
        self.name = name

    def message(self, key: str | None = None) -> str:
        where = f" (the value of {key!r})" if key is not None else ""
        return f"{self.name} is not a JSON number{where}; write a number or leave the answer out"


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python's parser keeps the last of two equal keys; {"1": 1, "1": 2} would score as 2
    # with no word said, so a key given twice is refused.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if isinstance(value, _Constant):
            raise JsonInputError(value.message(key))
        if key in out:
            raise JsonInputError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


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
    """Parse JSON text, refusing bad encoding, bad syntax and nesting deeper than `max_depth`.

    Also refused: NaN, Infinity and numbers too large for a float, and a key given twice in
    one object (each message names the key).
    """
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
    # Python's parser reads NaN, Infinity and -Infinity, which JSON does not allow; an answer
    # of NaN would score as a number and break every sum it joins. An object names the key;
    # a constant outside any object is refused after parsing.
    constants: list[_Constant] = []

    def constant(name: str) -> _Constant:
        constants.append(_Constant(name))
        return constants[-1]

    try:
        value = json.loads(
            data, parse_constant=constant, parse_float=_finite, object_pairs_hook=_object
        )
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"not valid JSON: {exc}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits (CPython's limit)
        if isinstance(exc, JsonInputError):
            raise
        raise JsonInputError(f"a number is too long to read: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise JsonInputError("nested too deeply to read") from None
    if constants:
        raise JsonInputError(constants[0].message())
    return value
