"""Sample statistics of ordinal variables: thresholds, polychoric correlations, their NACOV.

Each ordered variable is a cut continuous response y* ~ N(0, 1): with K categories its
thresholds are ``tau_j = Phi^-1(P(y <= j))`` (j = 1..K-1). The polychoric correlation of
two variables maximises the bivariate-normal likelihood of their contingency table with
the thresholds held at these values (two-step ML, Olsson 1979). The asymptotic covariance
of (thresholds, correlations) is Muthen's (1984) estimating-equation sandwich, as
lavaan's ``muthen1984``: with case scores ``SC = [SC_th, SC_rho]``,

    B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]],  Gamma = B^-1 (SC'SC) B^-T,

where ``A11`` is block diagonal (each variable's threshold scores' cross-products),
``A22`` the diagonal of the correlation scores' cross-products and ``A21`` the cross-
products of the correlation scores with the pair's threshold derivatives.

The bivariate normal distribution function is Plackett's integral
``Phi2(h, k; r) = Phi(h) Phi(k) + int_0^r phi2(h, k; s) ds`` by 48-point Gauss-Legendre
quadrature in ``asin(s)`` (accurate to ~1e-14 for |r| <= 0.95).

References: Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
coefficient. Psychometrika, 44. Muthen, B. (1984). A general structural equation model
with dichotomous, ordered categorical, and continuous latent variable indicators.
Psychometrika, 49. Rosseel (2012), lavaan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

__all__ = ["OrdinalStats", "bivariate_cdf", "ordinal_stats"]

_BIG = 40.0  # stands in for an infinite threshold
_NODES: NDArray[np.float64]
_WEIGHTS: NDArray[np.float64]
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


def _phi(x: NDArray[np.float64]) -> NDArray[np.float64]:
    density: NDArray[np.float64] = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
    return density


def _cdf(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return special.ndtr(x)


def bivariate_cdf(
    h: NDArray[np.float64], k: NDArray[np.float64], rho: float
) -> NDArray[np.float64]:
    """P(X <= h, Y <= k) for standard bivariate normal (X, Y) with correlation ``rho``."""
    h = np.clip(np.asarray(h, dtype=float), -_BIG, _BIG)
    k = np.clip(np.asarray(k, dtype=float), -_BIG, _BIG)
    return np.clip(_bvn(h, k, rho), 0.0, 1.0)


def _bvn(h: NDArray[np.float64], k: NDArray[np.float64], rho: float) -> NDArray[np.float64]:
    """Plackett's integral by Gauss-Legendre quadrature (finite h, k; no clipping)."""
    base = _cdf(h) * _cdf(k)
    if rho == 0.0:
        return base
    top = np.arcsin(rho)
    theta = 0.5 * top * (_NODES + 1.0)  # nodes on (0, asin(rho))
    s, c2 = np.sin(theta), np.cos(theta) ** 2
    hh, kk = h[..., None], k[..., None]
    expo = np.exp(-(hh * hh + kk * kk - 2.0 * hh * kk * s) / (2.0 * c2))
    integral: NDArray[np.float64] = (expo @ _WEIGHTS) * 0.5 * top / (2.0 * np.pi)
    return base + integral


def _bivariate_pdf(
    h: NDArray[np.float64], k: NDArray[np.float64], rho: float
) -> NDArray[np.float64]:
    one = 1.0 - rho * rho
    density: NDArray[np.float64] = np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * one)) / (
        2 * np.pi * np.sqrt(one)
    )
    return density


@dataclass
class OrdinalStats:
    """Thresholds and polychoric correlations of ordered variables, with their NACOV."""

    thresholds: list[NDArray[np.float64]]  # per variable, K-1 values
    cor: NDArray[np.float64]  # p x p polychoric correlation matrix
    gamma: NDArray[np.float64]  # covariance of (thresholds, vech-off-diagonal cor) estimates
    pairs: list[tuple[int, int]]  # the order of the correlations in ``gamma``
    n: int

    @property
    def n_thresholds(self) -> int:
        return sum(len(t) for t in self.thresholds)


def _cells(f: NDArray[np.float64]) -> NDArray[np.float64]:
    return f[1:, 1:] - f[:-1, 1:] - f[1:, :-1] + f[:-1, :-1]


def _polychoric(
    table: NDArray[np.float64], hh: NDArray[np.float64], kk: NDArray[np.float64], start: float
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """ML correlation of one contingency table given the thresholds (Fisher scoring).

    Score sum n_kl P'_kl / P_kl and information N sum P'_kl^2 / P_kl, with P'_kl the
    derivative of the cell probability (differences of the bivariate density); started
    at the correlation of the category codes. Falls back to a bounded search if scoring
    leaves (-1, 1).
    """
    n = table.sum()
    rho = float(np.clip(start, -0.9, 0.9)) if np.isfinite(start) else 0.0
    for _ in range(100):
        prob = np.maximum(_cells(_bvn(hh, kk, rho)), 1e-300)
        dprob = _cells(_bivariate_pdf(hh, kk, rho))
        score = float((table * dprob / prob).sum())
        info = float(n * (dprob * dprob / prob).sum())
        step = score / info
        if not np.isfinite(step) or abs(rho + step) >= 0.9999:
            rho = _polychoric_search(table, hh, kk)
            break
        rho += step
        if abs(step) < 1e-12:
            break
    prob = np.maximum(_cells(_bvn(hh, kk, rho)), 1e-300)
    dprob = _cells(_bivariate_pdf(hh, kk, rho))
    return rho, prob, dprob


def _polychoric_search(
    table: NDArray[np.float64], hh: NDArray[np.float64], kk: NDArray[np.float64]
) -> float:
    def negll(rho: float) -> float:
        prob = np.maximum(_cells(_bvn(hh, kk, rho)), 1e-300)
        return -float((table * np.log(prob)).sum())

    res = optimize.minimize_scalar(
        negll, bounds=(-0.9999, 0.9999), method="bounded", options={"xatol": 1e-12}
    )
    return float(res.x)


def _codes(column: NDArray[np.float64], levels: NDArray[np.float64]) -> NDArray[np.intp]:
    return np.searchsorted(levels, column)


def ordinal_stats(x: NDArray[np.float64], levels: list[NDArray[np.float64]]) -> OrdinalStats:
    """Thresholds, polychoric correlations and their asymptotic covariance for ``x``.

    ``x`` (N x p, complete) holds the category values; ``levels[i]`` the sorted categories
    of column i (all must occur: the caller checks for empty categories).
    """
    n, p = x.shape
    codes = np.column_stack([_codes(x[:, i], levels[i]) for i in range(p)])
    taus, sc_th, ext = [], [], []
    for i in range(p):
        k = len(levels[i])
        counts = np.bincount(codes[:, i], minlength=k)
        tau = special.ndtri(np.cumsum(counts)[:-1] / n)
        taus.append(tau)
        e = np.concatenate([[-np.inf], tau, [np.inf]])
        ext.append(e)
        prob = _cdf(e[1:]) - _cdf(e[:-1])
        dens = _phi(np.clip(e, -_BIG, _BIG))
        # d log P_c / d tau_j = (phi(tau_c) [j = c] - phi(tau_{c-1}) [j = c-1]) / P_c
        sc = np.zeros((n, k - 1))
        c = codes[:, i]
        upper = c < k - 1
        sc[np.flatnonzero(upper), c[upper]] = dens[c[upper] + 1] / prob[c[upper]]
        lower = c > 0
        sc[np.flatnonzero(lower), c[lower] - 1] = -dens[c[lower]] / prob[c[lower]]
        sc_th.append(sc)
    th_start = np.concatenate([[0], np.cumsum([len(t) for t in taus])])
    n_th = int(th_start[-1])
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]  # lavaan's vech order
    with np.errstate(invalid="ignore", divide="ignore"):
        code_cor = np.corrcoef(codes.T.astype(float))  # start values of the polychorics
    cor = np.eye(p)
    sc_rho = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), n_th))
    for r, (i, j) in enumerate(pairs):
        ki, kj = len(levels[i]), len(levels[j])
        cell = codes[:, i] * kj + codes[:, j]
        cell_counts = np.bincount(cell, minlength=ki * kj)
        table = cell_counts.reshape(ki, kj).astype(float)
        ei, ej = np.clip(ext[i], -_BIG, _BIG), np.clip(ext[j], -_BIG, _BIG)
        hh, kk = np.meshgrid(ei, ej, indexing="ij")
        rho, prob, dprob = _polychoric(table, hh, kk, code_cor[i, j])
        cor[i, j] = cor[j, i] = rho
        s_cell = dprob / prob
        sc_rho[:, r] = s_cell.ravel()[cell]
        root = np.sqrt(1.0 - rho * rho)
        # d P_kl / d tau_i,a: phi(tau_a) [Phi((tau'_l - rho tau_a)/root) - (l-1)] at a = k, minus at a = k-1
        ti, tj = ei, ej
        gi = _phi(ti)[:, None] * _cdf((tj[None, :] - rho * ti[:, None]) / root)  # (ki+1, kj+1)
        di = gi[:, 1:] - gi[:, :-1]  # (ki+1, kj): d/d e_i[a] of the column strip
        gj = _phi(tj)[None, :] * _cdf((ti[:, None] - rho * tj[None, :]) / root)
        dj = gj[1:, :] - gj[:-1, :]  # (ki, kj+1)
        # sum over cases of score_rho * d log P / d tau, cell by cell (scores are per cell)
        weight = table * s_cell / prob  # n_kl s_kl / P_kl
        # d P_kl / d tau_i,a is +di[a+1, l] for k = a and -di[a+1, l] for k = a + 1
        gi_cells = di[1:-1, :]  # (ki-1, kj)
        a21[r, th_start[i] : th_start[i + 1]] = (weight[:-1, :] * gi_cells).sum(axis=1) - (
            weight[1:, :] * gi_cells
        ).sum(axis=1)
        gj_cells = dj[:, 1:-1]  # (ki, kj-1)
        a21[r, th_start[j] : th_start[j + 1]] = (weight[:, :-1] * gj_cells).sum(axis=0) - (
            weight[:, 1:] * gj_cells
        ).sum(axis=0)
    sc = np.hstack(sc_th + [sc_rho])
    inner = sc.T @ sc
    a11_inv = np.zeros((n_th, n_th))
    for i in range(p):
        sl = slice(th_start[i], th_start[i + 1])
        a11_inv[sl, sl] = np.linalg.inv(inner[sl, sl])
    a22_inv = np.diag(1.0 / (sc_rho * sc_rho).sum(axis=0))
    b_inv = np.zeros_like(inner)
    b_inv[:n_th, :n_th] = a11_inv
    b_inv[n_th:, :n_th] = -a22_inv @ a21 @ a11_inv
    b_inv[n_th:, n_th:] = a22_inv
    gamma = b_inv @ inner @ b_inv.T
    return OrdinalStats(taus, cor, gamma, pairs, n)
