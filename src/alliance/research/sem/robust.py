"""Robust ML (lavaan's ``estimator = "MLR"``): Huber-White standard errors, Yuan-Bentler test.

With ``s_i`` the score of case ``i`` (the gradient of its log-likelihood, under missing data
of its observed variables only) and ``A`` the observed information (Hessian of minus the
log-likelihood per case) at the estimates, the sandwich covariance is

    V = A^-1 B A^-1 / N,   B = (1/N) sum_i s_i s_i'.

The Yuan-Bentler (Mplus variant, lavaan's ``test = "yuan.bentler.mplus"``) scaling factor
of the chi-square is

    c = [tr(A1^-1 B1) - tr(A^-1 B)] / df,   T_scaled = T / c,

where ``A1`` and ``B1`` are the observed and first-order information of the saturated
(h1) model in its moments (means and the non-duplicated covariances), evaluated at the
saturated estimates (the sample moments, or their EM estimates under missing data: lavaan
uses ``h1.information = "unstructured"`` for this test), and the case scores of the model
are ``s_i = Delta' s1_i``, with ``s1_i`` the saturated scores at the model-implied moments
and ``Delta`` the Jacobian of the implied moments.

References: Yuan, K.-H. & Bentler, P. M. (2000). Three likelihood-based methods for mean
and covariance structure analysis with nonnormal missing data. Sociological Methodology,
30, 165-200. Savalei, V. (2010). Expected versus observed information in SEM with
incomplete normal and nonnormal data. Psychological Methods, 15(4). Rosseel (2012).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .likelihood import Patterns, loglik_parts

__all__ = ["h1_scores", "h1_observed_information", "moment_jacobian", "scaling_trace"]


def _vech_index(p: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    return np.tril_indices(p)


def h1_scores(
    x: NDArray[np.float64],
    sigma: NDArray[np.float64],
    mu: NDArray[np.float64],
    meanstructure: bool,
) -> NDArray[np.float64]:
    """Case scores of the saturated model at (mu, sigma): rows (means, vech(Sigma)).

    ``x`` may hold NaN (missing values): each case contributes through its observed
    variables only. Without a mean structure ``mu`` must be the sample mean.
    """
    n, p = x.shape
    rows, cols = _vech_index(p)
    off = rows != cols
    if not np.isnan(x).any():  # complete data: one pattern, no indexing
        inv = np.linalg.inv(sigma)
        a = (x - mu) @ inv
        k_m = p if meanstructure else 0
        out = np.empty((n, k_m + len(rows)))
        if meanstructure:
            out[:, :p] = a
        start = k_m
        for r in range(p):  # row r of the lower triangle: columns 0..r, in vech order
            block = out[:, start : start + r + 1]
            np.multiply(a[:, : r + 1], a[:, r : r + 1], out=block)
            block -= inv[r, : r + 1]
            block[:, :r] *= 2.0
            start += r + 1
        out[:, k_m:] *= 0.5
        return out
    mask = ~np.isnan(x)
    codes = mask.astype(np.int64) @ (np.int64(1) << np.arange(p, dtype=np.int64))
    out_m = np.zeros((n, p))
    out_s = np.zeros((n, len(rows)))
    for code in np.unique(codes):
        idx = np.flatnonzero(codes == code)
        o = np.flatnonzero(mask[idx[0]])
        if len(o) == 0:
            continue
        inv = np.linalg.inv(sigma[np.ix_(o, o)])
        e = x[np.ix_(idx, o)] - mu[o]
        a = e @ inv  # (n_k, s)
        full_a = np.zeros((len(idx), p))
        full_a[:, o] = a
        full_inv = np.zeros((p, p))
        full_inv[np.ix_(o, o)] = inv
        out_m[idx] = full_a
        # d logf / d Sigma_jk = 1/2 (a_j a_k - inv_jk), counted twice off the diagonal
        sc = 0.5 * (full_a[:, rows] * full_a[:, cols] - full_inv[rows, cols])
        sc[:, off] *= 2.0
        out_s[idx] = sc
    if meanstructure:
        return np.hstack([out_m, out_s])
    return out_s


def h1_observed_information(
    pat: Patterns, sigma: NDArray[np.float64], mu: NDArray[np.float64], meanstructure: bool
) -> NDArray[np.float64]:
    """Hessian of minus the log-likelihood per case in (means, vech(Sigma)).

    Complete data: analytic (``_observed_complete``). Missing data: central differences
    of the analytic gradient (``loglik_parts``). Without a mean structure the means stay
    at the sample means.
    """
    if pat.complete:
        return _observed_complete(pat.mean[0], pat.cov[0], sigma, mu, meanstructure)
    p = sigma.shape[0]
    rows, cols = _vech_index(p)
    off = rows != cols

    def grad(s: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
        parts = loglik_parts(pat, s, m if meanstructure else None)
        if parts is None:
            raise FloatingPointError("implied covariance matrix is not positive definite")
        _f, w_s, w_m = parts
        gs = w_s[rows, cols] + np.where(off, w_s[cols, rows], 0.0)
        return np.concatenate([w_m, gs]) if meanstructure else gs

    k_m = p if meanstructure else 0
    size = k_m + len(rows)
    hess = np.zeros((size, size))
    for k in range(size):
        s_up, s_dn = sigma.copy(), sigma.copy()
        m_up, m_dn = mu.copy(), mu.copy()
        if k < k_m:
            h = 1e-5 * max(1.0, abs(mu[k]))
            m_up[k] += h
            m_dn[k] -= h
        else:
            j, i = rows[k - k_m], cols[k - k_m]
            h = 1e-5 * max(1.0, abs(sigma[j, i]))
            for a, b in {(j, i), (i, j)}:
                s_up[a, b] += h
                s_dn[a, b] -= h
        hess[:, k] = (grad(s_up, m_up) - grad(s_dn, m_dn)) / (2 * h)
    return (hess + hess.T) / 2


def _pair_matrix(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """tr(A E_ab B E_cd) over vech index pairs, E the symmetric unit perturbations."""
    r, c = _vech_index(a.shape[0])
    ra, ca = r[:, None], c[:, None]
    rb, cb = r[None, :], c[None, :]
    m = (
        a[cb, ra] * b[ca, rb]
        + a[rb, ra] * b[ca, cb]
        + a[cb, ca] * b[ra, rb]
        + a[rb, ca] * b[ra, cb]
    )
    half = np.where(r == c, 0.5, 1.0)
    return m * half[:, None] * half[None, :]


def _observed_complete(
    ybar: NDArray[np.float64],
    s: NDArray[np.float64],
    sigma: NDArray[np.float64],
    mu: NDArray[np.float64],
    meanstructure: bool,
) -> NDArray[np.float64]:
    """Observed information of the saturated normal model on complete data, analytically.

    F = 1/2 [log|Sigma| + tr(W C)], W = Sigma^-1, C = S + d d', d = ybar - mu:
    d2F/dmu dmu' = W; d2F/dmu dSigma[E] = W E W d;
    d2F/dSigma[E1] dSigma[E2] = tr(W C W E1 W E2) - 1/2 tr(W E1 W E2).
    """
    # numpy's stubs widen the result of linalg.inv to floating; it is float64 here
    w: NDArray[np.float64] = np.linalg.inv(sigma)  # type: ignore[assignment]
    d = ybar - mu if meanstructure else np.zeros_like(ybar)
    c = s + np.outer(d, d)
    wcw = w @ c @ w
    h_ss = _pair_matrix(wcw, w) - 0.5 * _pair_matrix(w, w)
    h_ss = (h_ss + h_ss.T) / 2
    if not meanstructure:
        return h_ss
    r, cc = _vech_index(len(ybar))
    wd = w @ d
    h_ms = w[:, r] * wd[cc] + np.where(r != cc, w[:, cc] * wd[r], 0.0)
    return np.block([[w, h_ms], [h_ms.T, h_ss]])


def moment_jacobian(
    d_sigma: NDArray[np.float64], d_mu: NDArray[np.float64], meanstructure: bool
) -> NDArray[np.float64]:
    """Delta: derivatives of (means, vech(Sigma)) by the free parameters, (moments, q)."""
    p = d_sigma.shape[1]
    rows, cols = _vech_index(p)
    ds = d_sigma[:, rows, cols].T
    return np.vstack([d_mu.T, ds]) if meanstructure else ds


def scaling_trace(
    a1: NDArray[np.float64],
    b1: NDArray[np.float64],
    b0: NDArray[np.float64],
    e_inv: NDArray[np.float64],
) -> float:
    """tr(U Gamma) = tr(A1^-1 B1) - tr(E^-1 B0) (Yuan-Bentler, Mplus variant).

    ``a1``, ``b1``: h1 information at the saturated estimates; ``b0``: first-order
    information of the model at its estimates; ``e_inv``: inverse observed information.
    """
    trace_h1 = float(np.sum(b1 * np.linalg.inv(a1).T))
    trace_h0 = float(np.sum(b0 * e_inv.T))
    return trace_h1 - trace_h0
