"""Defined parameters (lavaan ``:=``): functions of labelled parameters, delta-method SEs.

``ab := a*b`` defines the product of the parameters labelled ``a`` and ``b``. Expressions
use + - * / ^ (or **), parentheses, numbers, labels, earlier definitions and the functions
exp, log, sqrt, abs. The standard error is the delta method, sqrt(J V J'), with J the
central-difference Jacobian of the definitions at the estimates and V the covariance of
the free parameters, as lavaan does.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

__all__ = ["compile_definition", "defined_estimates", "defined_values"]

_FUNCS: dict[str, Callable[[float], float]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "abs": abs,
}
_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def compile_definition(expr: str) -> tuple[ast.Expression, set[str]]:
    """Parse an expression safely; return its tree and the names it uses."""
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot read the expression {expr!r}") from exc
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
                raise ValueError(f"only {', '.join(_FUNCS)} may be called in {expr!r}")
        elif not isinstance(
            node,
            ast.Expression
            | ast.BinOp
            | ast.UnaryOp
            | ast.Constant
            | ast.Load
            | ast.operator
            | ast.unaryop,
        ):
            raise ValueError(f"{type(node).__name__} is not allowed in {expr!r}")
    return tree, names - set(_FUNCS)


def _evaluate(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, values)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return float(_FUNCS[node.func.id](*(_evaluate(a, values) for a in node.args)))
    raise ValueError(f"cannot evaluate {ast.dump(node)}")


def defined_values(
    definitions: list[tuple[str, str]],
    thetas: NDArray[np.float64],
    labels: Mapping[str, int],
    constants: Mapping[str, float],
) -> NDArray[np.float64]:
    """Values of ``definitions`` for each row of ``thetas`` (R x q), as an R x D array."""
    trees = [(name, compile_definition(expr)[0]) for name, expr in definitions]
    out = np.empty((len(thetas), len(trees)))
    for r, th in enumerate(thetas):
        values = dict(constants)
        values.update({k: float(th[i]) for k, i in labels.items()})
        for d, (name, tree) in enumerate(trees):
            try:
                values[name] = _evaluate(tree, values)
            except (ArithmeticError, ValueError):
                values[name] = math.nan
            out[r, d] = values[name]
    return out


def defined_estimates(
    definitions: list[tuple[str, str]],
    theta: NDArray[np.float64],
    vcov: NDArray[np.float64],
    labels: Mapping[str, int],
    constants: Mapping[str, float],
) -> list[tuple[float, float]]:
    """Estimates and delta-method SEs of ``definitions`` ((name, expression) in order)."""
    trees = [(name, compile_definition(expr)[0]) for name, expr in definitions]

    def evaluate(th: NDArray[np.float64]) -> NDArray[np.float64]:
        values = dict(constants)
        values.update({k: float(th[i]) for k, i in labels.items()})
        out = []
        for name, tree in trees:
            values[name] = _evaluate(tree, values)
            out.append(values[name])
        return np.array(out)

    est = evaluate(theta)
    jac = np.zeros((len(trees), len(theta)))
    for k in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[k]))
        up, dn = theta.copy(), theta.copy()
        up[k] += h
        dn[k] -= h
        jac[:, k] = (evaluate(up) - evaluate(dn)) / (2 * h)
    cov = jac @ vcov @ jac.T
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    return list(zip(est.tolist(), se.tolist(), strict=True))
