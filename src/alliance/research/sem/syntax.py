"""Parse lavaan model syntax into user-specified parameter rows.

Supported: ``=~`` (measurement), ``~`` (regression), ``~~`` (variance/covariance),
``~ 1`` (intercepts), ``:=`` (defined parameters, e.g. ``ab := a*b``), ``==`` (equality
constraints between labels, ``a1 == a2``, or fixing a label, ``a1 == 0.5``), modifiers ``1*x`` (fixed), ``NA*x`` (free), ``a*x`` (label, the
same label on several rows makes them equal), ``start(0.5)*x``, several modifiers
chained (``NA*a*x``), several left-hand sides (``y1 + y2 ~ x``), comments with ``#`` or
``!``, statements split by new lines or ``;`` and continued over lines that end in an
operator or ``+``.

Reference: Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2). https://lavaan.ugent.be/tutorial/syntax1.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ModelSyntaxError", "UserRow", "parse_model"]

_OPERATORS = ("=~", "~~", "~", ":=", "==")
_UNSUPPORTED = ("<~", "|", "~*~", "<", ">")
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class ModelSyntaxError(ValueError):
    """A lavaan model string could not be parsed."""


@dataclass(frozen=True)
class UserRow:
    """One parameter the user wrote: ``lhs op rhs`` with its modifiers."""

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None  # value when fixed by the user (``1*x``)
    free: bool | None = None  # True when freed with ``NA*x``; None when not said
    label: str = ""
    start: float | None = None
    line: int = 0


def _strip_comments(text: str) -> list[tuple[int, str]]:
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            if part.strip():
                out.append((number, part.strip()))
    return out


def _join_continuations(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    joined: list[tuple[int, str]] = []
    for number, line in lines:
        if joined and (
            joined[-1][1].endswith(("+", "~", "*"))
            or line.startswith(("+", "*"))
            or not any(op in line for op in _OPERATORS)
        ):
            joined[-1] = (joined[-1][0], joined[-1][1] + " " + line)
        else:
            joined.append((number, line))
    return joined


def _split_operator(statement: str, number: int) -> tuple[str, str, str]:
    for bad in _UNSUPPORTED:
        if bad in statement:
            raise ModelSyntaxError(f"line {number}: operator {bad!r} is not supported")
    for op in _OPERATORS:
        if op in statement:
            lhs, rhs = statement.split(op, 1)
            if any(o in rhs for o in _OPERATORS):
                raise ModelSyntaxError(f"line {number}: more than one operator in {statement!r}")
            return lhs.strip(), op, rhs.strip()
    raise ModelSyntaxError(f"line {number}: no operator (=~, ~, ~~) in {statement!r}")


def _parse_term(term: str, number: int) -> tuple[str, float | None, bool | None, str, float | None]:
    parts = [p.strip() for p in term.split("*")]
    if any(not p for p in parts):
        raise ModelSyntaxError(f"line {number}: empty modifier in {term!r}")
    name = parts[-1]
    if name != "1" and not _NAME.match(name):
        raise ModelSyntaxError(f"line {number}: {name!r} is not a variable name")
    fixed: float | None = None
    free: bool | None = None
    label = ""
    start: float | None = None
    for mod in parts[:-1]:
        m_start = re.fullmatch(r"start\(\s*([^)]+)\s*\)", mod)
        m_label = re.fullmatch(r"(?:equal|label)\(\s*['\"]([^'\"]+)['\"]\s*\)", mod)
        if mod == "NA":
            free = True
        elif _NUMBER.match(mod):
            fixed = float(mod)
        elif m_start:
            if not _NUMBER.match(m_start.group(1).strip()):
                raise ModelSyntaxError(f"line {number}: start() needs a number")
            start = float(m_start.group(1))
        elif m_label:
            label = m_label.group(1)
        elif mod.startswith("c("):
            raise ModelSyntaxError(
                f"line {number}: multiple-group modifiers c(...) are not supported"
            )
        elif _NAME.match(mod):
            label = mod
        else:
            raise ModelSyntaxError(f"line {number}: cannot read modifier {mod!r}")
    if fixed is not None and free:
        raise ModelSyntaxError(f"line {number}: {term!r} is both fixed and free")
    return name, fixed, free, label, start


def parse_model(text: str) -> list[UserRow]:
    """Parse lavaan syntax into rows, in the order written; raise ``ModelSyntaxError``."""
    rows: list[UserRow] = []
    for number, statement in _join_continuations(_strip_comments(text)):
        if ":=" in statement:
            name, expr = (part.strip() for part in statement.split(":=", 1))
            if not _NAME.match(name) or not expr:
                raise ModelSyntaxError(f"line {number}: cannot read definition {statement!r}")
            rows.append(UserRow(name, ":=", re.sub(r"\s+", "", expr), line=number))
            continue
        if "==" in statement:
            left, right = (part.strip() for part in statement.split("==", 1))
            for side in (left, right):
                if not (_NAME.match(side) or _NUMBER.match(side)):
                    raise ModelSyntaxError(
                        f"line {number}: an equality constraint compares labels or numbers "
                        f"(a1 == a2, a1 == 0.5); cannot read {side!r}"
                    )
            if not _NAME.match(left) and not _NAME.match(right):
                raise ModelSyntaxError(f"line {number}: {statement!r} names no label")
            rows.append(UserRow(left, "==", right, line=number))
            continue
        lhs_text, op, rhs_text = _split_operator(statement, number)
        lhs_names = [s.strip() for s in lhs_text.split("+")]
        for name in lhs_names:
            if not _NAME.match(name):
                raise ModelSyntaxError(f"line {number}: {name!r} is not a variable name")
        if not rhs_text:
            raise ModelSyntaxError(f"line {number}: nothing on the right of {op}")
        for term in rhs_text.split("+"):
            term = term.strip()
            if not term:
                raise ModelSyntaxError(f"line {number}: empty term in {statement!r}")
            name, fixed, free, label, start = _parse_term(term, number)
            for lhs in lhs_names:
                if name == "1":
                    if op != "~":
                        raise ModelSyntaxError(f"line {number}: '1' only after ~ (intercept)")
                    rows.append(UserRow(lhs, "~1", "", fixed, free, label, start, number))
                else:
                    rows.append(UserRow(lhs, op, name, fixed, free, label, start, number))
    if not rows:
        raise ModelSyntaxError("the model is empty")
    return rows
