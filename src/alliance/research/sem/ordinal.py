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
from scipy import optimize, special

__all__ = ["OrdinalStats", "bivariate_cdf", "ordinal_stats"]

_BIG = 40.0  # stands in for an infinite threshold
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


def _phi(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def _cdf(x):
    return special.ndtr(x)


def bivariate_cdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """P(X <= h, Y <= k) for standard bivariate normal (X, Y) with correlation ``rho``."""
    h = np.clip(np.asarray(h, dtype=float), -_BIG, _BIG)
    k = np.clip(np.asarray(k, dtype=float), -_BIG, _BIG)
    base = _cdf(h) * _cdf(k)
    if rho == 0.0:
        return base
    top = np.arcsin(rho)
    theta = 0.5 * top * (_NODES + 1.0)  # nodes on (0, asin(rho))
    s, c2 = np.sin(theta), np.cos(theta) ** 2
    hh, kk = h[..., None], k[..., None]
    expo = np.exp(-(hh * hh + kk * kk - 2.0 * hh * kk * s) / (2.0 * c2))
    integral = (expo * _WEIGHTS).sum(axis=-1) * 0.5 * top / (2.0 * np.pi)
    return np.clip(base + integral, 0.0, 1.0)


def _bivariate_pdf(h, k, rho):
    h = np.clip(h, -_BIG, _BIG)
    k = np.clip(k, -_BIG, _BIG)
    one = 1.0 - rho * rho
    return np.exp(-(h * h - 2 * rho * h * k + k * k) / (2 * one)) / (2 * np.pi * np.sqrt(one))


@dataclass
class OrdinalStats:
    """Thresholds and polychoric correlations of ordered variables, with their NACOV."""

    thresholds: list[np.ndarray]  # per variable, K-1 values
    cor: np.ndarray  # p x p polychoric correlation matrix
    gamma: np.ndarray  # covariance of (thresholds, vech-off-diagonal cor) estimates
    pairs: list[tuple[int, int]]  # the order of the correlations in ``gamma``
    n: int

    @property
    def n_thresholds(self) -> int:
        return sum(len(t) for t in self.thresholds)


def _codes(column: np.ndarray, levels: np.ndarray) -> np.ndarray:
    return np.searchsorted(levels, column)


def ordinal_stats(x: np.ndarray, levels: list[np.ndarray]) -> OrdinalStats:
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
    cor = np.eye(p)
    sc_rho = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), n_th))
    for r, (i, j) in enumerate(pairs):
        ki, kj = len(levels[i]), len(levels[j])
        table = np.zeros((ki, kj))
        np.add.at(table, (codes[:, i], codes[:, j]), 1.0)
        ei, ej = ext[i], ext[j]
        hh, kk = np.meshgrid(ei, ej, indexing="ij")

        def cell_probs(rho, hh=hh, kk=kk):
            f = bivariate_cdf(hh, kk, rho)
            return f[1:, 1:] - f[:-1, 1:] - f[1:, :-1] + f[:-1, :-1]

        def negll(rho, table=table, cell_probs=cell_probs):
            prob = np.clip(cell_probs(rho), 1e-300, None)
            return -float((table * np.log(prob)).sum())

        res = optimize.minimize_scalar(
            negll, bounds=(-0.995, 0.995), method="bounded", options={"xatol": 1e-12}
        )
        rho = float(res.x)
        cor[i, j] = cor[j, i] = rho
        prob = cell_probs(rho)
        dens = _bivariate_pdf(hh, kk, rho)
        dprob = dens[1:, 1:] - dens[:-1, 1:] - dens[1:, :-1] + dens[:-1, :-1]
        s_cell = dprob / prob
        ci, cj = codes[:, i], codes[:, j]
        sc_rho[:, r] = s_cell[ci, cj]
        root = np.sqrt(1.0 - rho * rho)
        # d P_kl / d tau_i,a: phi(tau_a) [Phi((tau'_l - rho tau_a)/root) - (l-1)] at a = k, minus at a = k-1
        ti = np.clip(ei, -_BIG, _BIG)
        tj = np.clip(ej, -_BIG, _BIG)
        gi = _phi(ti)[:, None] * _cdf((tj[None, :] - rho * ti[:, None]) / root)  # (ki+1, kj+1)
        di = gi[:, 1:] - gi[:, :-1]  # (ki+1, kj): d/d e_i[a] of the column strip
        gj = _phi(tj)[None, :] * _cdf((ti[:, None] - rho * tj[None, :]) / root)
        dj = gj[1:, :] - gj[:-1, :]  # (ki, kj+1)
        # case derivatives of log P wrt each threshold of i and j
        dl_i = np.zeros((n, ki - 1))
        dl_j = np.zeros((n, kj - 1))
        p_case = prob[ci, cj]
        up = ci < ki - 1
        dl_i[np.flatnonzero(up), ci[up]] += di[ci[up] + 1, cj[up]] / p_case[up]
        lo = ci > 0
        dl_i[np.flatnonzero(lo), ci[lo] - 1] -= di[ci[lo], cj[lo]] / p_case[lo]
        up = cj < kj - 1
        dl_j[np.flatnonzero(up), cj[up]] += dj[ci[up], cj[up] + 1] / p_case[up]
        lo = cj > 0
        dl_j[np.flatnonzero(lo), cj[lo] - 1] -= dj[ci[lo], cj[lo]] / p_case[lo]
        a21[r, th_start[i] : th_start[i + 1]] = sc_rho[:, r] @ dl_i
        a21[r, th_start[j] : th_start[j + 1]] = sc_rho[:, r] @ dl_j
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
