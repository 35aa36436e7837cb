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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import linalg, stats

from .ordinal import OrdinalStats
from .partable import ParRow, ParTable
from .ram import RamModel

__all__ = [
    "OrdinalGroup",
    "WlsmvResult",
    "explained_variance",
    "ordinal_levels",
    "prepare_ordinal_table",
    "wlsmv_fit",
]


def ordinal_levels(
    frame: pd.DataFrame,
    ordered: list[str],
    group_codes: NDArray[np.intp] | None = None,
    labels: Sequence[str] = (),
) -> list[NDArray[np.float64]]:
    """Sorted categories of each ordered column; refuse a category empty in a group.

    ``group_codes`` holds each row's group number, ``labels`` the groups' names.
    """
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


def prepare_ordinal_table(
    pt: ParTable, ordered: list[str], n_thresholds: list[int]
) -> tuple[ParTable, list[ParRow], list[ParRow]]:
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


@dataclass
class OrdinalGroup:
    """One group's model and sample statistics for :func:`wlsmv_fit`.

    ``ram`` holds the group's paths, variances and means (no threshold or scale rows);
    ``th_rows`` its thresholds in the order of ``stats.thresholds``; ``scale_rows`` the
    scale factor of each ordered variable (fixed to 1, or free after the first group).
    """

    ram: RamModel
    th_rows: list[ParRow]
    scale_rows: list[ParRow]
    stats: OrdinalStats

    def __post_init__(self) -> None:
        st = self.stats
        p = self.ram.p
        # lavaan's NACOV divides by N - 1 (the estimates do not change within a group)
        self.gamma = st.gamma * st.n / (st.n - 1)
        self.s: NDArray[np.float64] = np.concatenate(
            [*st.thresholds, [st.cor[i, j] for i, j in st.pairs]]
        )
        self.v = 1.0 / np.diag(self.gamma)
        self.rows_i = np.array([i for i, _ in st.pairs], dtype=int)
        self.cols_j = np.array([j for _, j in st.pairs], dtype=int)
        self.th_var = np.array(
            [i for i, t in enumerate(st.thresholds) for _ in range(len(t))], dtype=int
        )
        self.th_index = np.array([r.index for r in self.th_rows], dtype=int)
        self.scale_index = np.array([r.index for r in self.scale_rows], dtype=int)
        self.scale_fixed = np.array(
            [1.0 if r.value is None else float(r.value) for r in self.scale_rows]
        )
        assert len(self.scale_rows) == p

    def scales(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the scale factor of each ordered variable at ``theta``."""
        free = self.scale_index >= 0
        scale: NDArray[np.float64] = np.where(
            free, theta[np.where(free, self.scale_index, 0)], self.scale_fixed
        )
        return scale

    @overload
    def implied(
        self, theta: NDArray[np.float64], deriv: Literal[False] = False
    ) -> tuple[NDArray[np.float64], None]: ...

    @overload
    def implied(
        self, theta: NDArray[np.float64], deriv: Literal[True]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...

    def implied(
        self, theta: NDArray[np.float64], deriv: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """Standardised thresholds ``D (tau - mu)`` and correlations ``D Sigma D``.

        With ``deriv``, also their Jacobian by the free parameters.
        """
        sigma, mu, d_sigma, d_mu = self.ram.implied(theta, deriv=deriv)
        scale = self.scales(theta)
        tau = theta[self.th_index]
        dv = scale[self.th_var]
        centred = tau - mu[self.th_var]
        si, sj = scale[self.rows_i], scale[self.cols_j]
        cov = sigma[self.rows_i, self.cols_j]
        sig: NDArray[np.float64] = np.concatenate([dv * centred, si * sj * cov])
        if d_sigma is None or d_mu is None:  # not deriv
            return sig, None
        n_th = len(tau)
        delta = np.zeros((len(sig), len(theta)))
        delta[np.arange(n_th), self.th_index] += dv
        delta[:n_th] -= dv[:, None] * d_mu[:, self.th_var].T
        delta[n_th:] = (si * sj)[:, None] * d_sigma[:, self.rows_i, self.cols_j].T
        free = self.scale_index >= 0
        if free.any():
            for var in np.flatnonzero(free):
                k = self.scale_index[var]
                delta[:n_th, k] += np.where(self.th_var == var, centred, 0.0)
                delta[n_th:, k] += np.where(self.rows_i == var, sj * cov, 0.0)
                delta[n_th:, k] += np.where(self.cols_j == var, si * cov, 0.0)
        return sig, delta


@dataclass(frozen=True)
class WlsmvResult:
    """What :func:`wlsmv_fit` found: estimates, their robust covariance and the tests."""

    theta: NDArray[np.float64]
    vcov: NDArray[np.float64]
    converged: bool
    iterations: int
    test: dict[str, float]  # chisq, df and, when df > 0, the scaled and shifted test
    chisq_b: float  # baseline model (thresholds free, correlations zero)
    df_b: float
    resid: list[NDArray[np.float64]]  # each group's residual statistics


def wlsmv_fit(groups: list[OrdinalGroup], n_free: int, start: NDArray[np.float64]) -> WlsmvResult:
    """Fit by DWLS over all groups; return theta, robust vcov and the test statistics.

    The statistics of all groups are stacked: ``V = diag(Gamma_g)^-1`` per group, so that
    ``T = sum_g r_g' V_g r_g`` (lavaan's ``N F`` with ``F = sum_g (N_g / N) F_g``).
    """
    s = np.concatenate([g.s for g in groups])
    v = np.concatenate([g.v for g in groups])
    gamma = linalg.block_diag(*[g.gamma for g in groups])

    def implied(theta: NDArray[np.float64]) -> NDArray[np.float64]:
        sig: NDArray[np.float64] = np.concatenate([g.implied(theta)[0] for g in groups])
        return sig

    def implied_deriv(
        theta: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        parts = [g.implied(theta, deriv=True) for g in groups]
        sig = np.concatenate([a for a, _ in parts])
        return sig, np.vstack([b for _, b in parts])

    theta = start.copy()
    for g in groups:  # start each threshold at its first group's sample value
        fresh = np.isnan(theta[g.th_index])
        theta[g.th_index[fresh]] = g.s[: len(g.th_index)][fresh]
    theta = np.nan_to_num(theta)
    converged = False
    iterations = 0
    f_old = math.inf
    for iterations in range(1, 201):  # noqa: B007
        sig, delta = implied_deriv(theta)
        resid = s - sig
        f = float(resid @ (v * resid))
        grad = delta.T @ (v * resid)
        hmat = delta.T @ (v[:, None] * delta)
        step = linalg.solve(hmat, grad, assume_a="sym")
        alpha = 1.0
        while alpha > 1e-10:
            cand = theta + alpha * step
            r2 = s - implied(cand)
            if float(r2 @ (v * r2)) <= f + 1e-15 * max(f, 1.0):
                break
            alpha /= 2
        theta = cand
        if np.abs(step).max() < 1e-11 or abs(f_old - f) < 1e-16 * max(f, 1.0):
            converged = True
            break
        f_old = f
    sig, delta = implied_deriv(theta)
    resid = s - sig
    chisq = float(resid @ (v * resid))
    hmat = delta.T @ (v[:, None] * delta)
    h_inv = linalg.inv(hmat)
    vd = v[:, None] * delta
    vcov = h_inv @ (vd.T @ gamma @ vd) @ h_inv
    df = len(s) - n_free
    ug = (np.diag(v) - vd @ h_inv @ vd.T) @ gamma
    tr1 = float(np.trace(ug))
    tr2 = float(np.sum(ug * ug.T))
    test: dict[str, float] = {"chisq": chisq, "df": float(df)}
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
    chisq_b = 0.0
    df_b = 0
    resids: list[NDArray[np.float64]] = []
    at = 0
    for g in groups:
        n_th = len(g.th_index)
        r = g.s[n_th:]
        chisq_b += float((r * r) @ g.v[n_th:])
        df_b += len(r)
        resids.append(resid[at : at + len(g.s)])
        at += len(g.s)
    return WlsmvResult(
        theta=theta,
        vcov=vcov,
        converged=converged,
        iterations=iterations,
        test=test,
        chisq_b=chisq_b,
        df_b=float(df_b),
        resid=resids,
    )


def explained_variance(ram: RamModel, theta: NDArray[np.float64]) -> NDArray[np.float64]:
    """Variance of each latent response explained by the model (without its residual)."""
    a, s, _m = ram.matrices(theta)
    p = ram.p
    s = s.copy()
    s[np.arange(p), np.arange(p)] = 0.0
    b = linalg.inv(np.eye(ram.m) - a)
    g = b[:p]
    return np.diag(g @ s @ g.T)
