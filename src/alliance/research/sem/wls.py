"""WLSMV for ordered indicators (lavaan's ``estimator = "WLSMV"``, delta parameterization).

The sample statistics are the thresholds and polychoric correlations ``s`` with their
asymptotic covariance ``Gamma`` (:mod:`.ordinal`). The model implies thresholds (free, one
per threshold) and the correlations of the latent responses, the off-diagonal of
``Sigma* = F B S B' F'``; the residual variances of the responses are not parameters but
``1 - diag(explained)`` so that each response has unit variance. Diagonally weighted
least squares minimises

    F(theta) = (s - sigma(theta))' W (s - sigma(theta)),   W = diag(N Gamma)^-1,

by Gauss-Newton. With ``Delta = d sigma / d theta`` and ``H = Delta' W Delta`` the robust
covariance of the estimates is ``H^-1 Delta' W Gamma W Delta H^-1``, the test statistic is
``T = N F``, and the mean- and variance-adjusted statistic (lavaan's ``scaled.shifted``)
is ``a T + b`` with ``U = W - W Delta H^-1 Delta' W``, ``a = sqrt(df / tr((U NGamma)^2))``
and ``b = df - a tr(U NGamma)``.

References: Muthen, B., du Toit, S. H. C. & Spisic, D. (1997). Robust inference using
weighted least squares and quadratic estimating equations in latent variable modeling
with categorical and continuous outcomes. Asparouhov, T. & Muthen, B. (2010). Simple
second order chi-square correction. Rosseel (2012), lavaan.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .partable import ParRow, ParTable
from .ram import RamModel

__all__ = ["ordinal_levels", "prepare_ordinal_table", "wlsmv_fit"]


def ordinal_levels(frame: pd.DataFrame, ordered: list[str], group_codes=None, labels=None):
    """Sorted categories of each ordered column; refuse a category empty in a group."""
    levels = []
    for name in ordered:
        column = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        values = np.unique(column[~np.isnan(column)])
        if len(values) < 2:
            raise ValueError(f"ordered variable {name!r} has fewer than two categories")
        levels.append(values)
        if group_codes is not None:
            for g, label in enumerate(labels):
                part = column[group_codes == g]
                seen = np.unique(part[~np.isnan(part)])
                empty = [v for v in values if v not in seen]
                if empty:
                    raise ValueError(
                        f"ordered variable {name!r} has no case in category "
                        f"{_fmt(empty[0])} in group {label!r}: merge categories or drop "
                        "the group"
                    )
    return levels


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def prepare_ordinal_table(pt: ParTable, ordered: list[str], n_thresholds: list[int]):
    """Adapt a parameter table to ordered indicators (delta parameterization).

    Residual variances and intercepts of ordered variables become fixed (reported as
    ``1 - explained`` and 0), thresholds ``x | t1`` ... are free, scale factors ``x ~*~ x``
    fixed to 1. Returns (table for the RAM model, threshold rows, scale rows).
    """
    ordered_set = set(ordered)
    rows = []
    for row in pt.rows:
        new = ParRow(row.lhs, row.op, row.rhs, row.index, row.value, row.label, row.user, row.exo)
        if row.lhs in ordered_set and ((row.op == "~~" and row.rhs == row.lhs) or row.op == "~1"):
            if row.user and row.free:
                raise ValueError(
                    f"{row.lhs} {row.op} {row.rhs}: with ordered indicators this parameter is "
                    "not free (delta parameterization)"
                )
            new.index, new.value = -1, 1.0 if row.op == "~~" else 0.0
        rows.append(new)
    # renumber the free parameters, keeping shared labels shared
    mapping: dict[int, int] = {}
    for row in rows:
        if row.free:
            row.index = mapping.setdefault(row.index, len(mapping))
    labels = [""] * len(mapping)
    for row in rows:
        if row.free and not labels[row.index]:
            labels[row.index] = row.label or f"{row.lhs}{row.op}{row.rhs}"
    n_free = len(mapping)
    th_rows = []
    for name, k in zip(ordered, n_thresholds, strict=True):
        for t in range(k):
            th_rows.append(ParRow(name, "|", f"t{t + 1}", n_free, None, "", False))
            labels.append(f"{name}|t{t + 1}")
            n_free += 1
    scale_rows = [ParRow(name, "~*~", name, -1, 1.0, "", False) for name in ordered]
    table = ParTable(rows, pt.ov, pt.lv, pt.ov_x, True, n_free, labels, pt.definitions)
    return table, th_rows, scale_rows


def wlsmv_fit(table: ParTable, th_rows, stats_, start: np.ndarray):
    """Fit by DWLS; return theta, robust vcov, test results and the implied correlations."""
    p = len(table.ov)
    n = stats_.n
    ram = RamModel(table, stats_.cor, np.zeros(p))
    n_th = stats_.n_thresholds
    s = np.concatenate([*stats_.thresholds, [stats_.cor[i, j] for i, j in stats_.pairs]])
    nacov = stats_.gamma * n
    w = 1.0 / np.diag(nacov)
    rows_i = np.array([i for i, _ in stats_.pairs], dtype=int)
    cols_j = np.array([j for _, j in stats_.pairs], dtype=int)
    th_index = np.array([r.index for r in th_rows], dtype=int)
    q = table.n_free

    def implied(theta, deriv=False):
        sigma, _mu, d_sigma, _dm = ram.implied(theta, deriv=deriv)
        sig = np.concatenate([theta[th_index], sigma[rows_i, cols_j]])
        if not deriv:
            return sig, None
        delta = np.zeros((len(s), q))
        delta[np.arange(n_th), th_index] = 1.0
        delta[n_th:] = d_sigma[:, rows_i, cols_j].T
        return sig, delta

    theta = start.copy()
    theta[th_index] = s[:n_th]
    converged = False
    iterations = 0
    f_old = math.inf
    for iterations in range(1, 201):  # noqa: B007
        sig, delta = implied(theta, deriv=True)
        resid = s - sig
        f = float(resid @ (w * resid))
        grad = delta.T @ (w * resid)
        hmat = delta.T @ (w[:, None] * delta)
        step = linalg.solve(hmat, grad, assume_a="sym")
        alpha = 1.0
        while alpha > 1e-10:
            cand = theta + alpha * step
            r2 = s - implied(cand)[0]
            if float(r2 @ (w * r2)) <= f + 1e-15 * max(f, 1.0):
                break
            alpha /= 2
        theta = cand
        if np.abs(step).max() < 1e-11 or abs(f_old - f) < 1e-16 * max(f, 1.0):
            converged = True
            break
        f_old = f
    sig, delta = implied(theta, deriv=True)
    resid = s - sig
    fmin = float(resid @ (w * resid))
    hmat = delta.T @ (w[:, None] * delta)
    h_inv = linalg.inv(hmat)
    wd = w[:, None] * delta
    vcov = h_inv @ (wd.T @ stats_.gamma @ wd) @ h_inv
    chisq = n * fmin
    df = len(s) - q
    u = np.diag(w) - wd @ h_inv @ wd.T
    ug = u @ nacov
    tr1 = float(np.trace(ug))
    tr2 = float(np.sum(ug * ug.T))
    test = {"chisq": chisq, "df": float(df)}
    if df > 0:
        a = math.sqrt(df / tr2)
        b = df - a * tr1
        scaled = a * chisq + b
        test.update(
            {
                "chisq.scaled": scaled,
                "df.scaled": float(df),
                "pvalue.scaled": float(stats.chi2.sf(scaled, df)),
                "chisq.scaling.factor": 1.0 / a,
                "chisq.shift.parameters": b,
            }
        )
    # baseline: thresholds free, correlations zero
    r = s[n_th:]
    chisq_b = n * float((r * r) @ w[n_th:])
    df_b = len(r)
    cor = np.eye(p)
    cor[rows_i, cols_j] = cor[cols_j, rows_i] = sig[n_th:]
    return {
        "theta": theta,
        "vcov": vcov,
        "converged": converged,
        "iterations": iterations,
        "fmin": fmin,
        "test": test,
        "chisq_b": chisq_b,
        "df_b": float(df_b),
        "implied_cor": cor,
        "explained": _explained(ram, theta),
        "ram": ram,
        "resid": resid,
        "n_th": n_th,
        "ug": (tr1, tr2),
    }


def _explained(ram: RamModel, theta: np.ndarray) -> np.ndarray:
    """Variance of each latent response explained by the model (without its residual)."""
    a, s, _m = ram.matrices(theta)
    p = ram.p
    s = s.copy()
    s[np.arange(p), np.arange(p)] = 0.0
    b = linalg.inv(np.eye(ram.m) - a)
    g = b[:p]
    return np.diag(g @ s @ g.T)
