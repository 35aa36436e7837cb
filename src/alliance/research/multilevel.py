"""Fast linear mixed models for session data: random intercept (and slope) by episode.

Model, for session j of episode i:

    y_ij = x_ij' beta + z_ij' b_i + e_ij,   b_i ~ N(0, sigma^2 L L'),   e_ij ~ N(0, sigma^2)

with z_ij = (1, time_ij) and L lower triangular (lme4's relative covariance factor,
Bates et al. 2015). Everything the likelihood needs is a sum over episodes of small
cross-products (Z'Z, Z'X, Z'y, X'X, X'y, y'y), so the data are reduced once to per-episode
sufficient statistics and each likelihood evaluation costs O(episodes * p^2), whatever
the number of sessions. With M_i = L' Z_i' Z_i L + I (Woodbury),

    A = sum X_i'X_i - (L'Z_i'X_i)' M_i^-1 (L'Z_i'X_i),   c, d likewise for X'y and y'y,
    beta = A^-1 c,   r^2 = d - c' A^-1 c,
    ML:   -2 logL   = sum log|M_i| + N (1 + log(2 pi r^2 / N))
    REML: -2 logL_R = sum log|M_i| + log|A| + (N - p)(1 + log(2 pi r^2 / (N - p)))

are profiled over beta and sigma^2 and minimised over the three entries of L (bounded
below by 0 on the diagonal, as lme4). Var(beta) = sigma^2 A^-1, as lme4's ``vcov``.

References: Bates, D., Mächler, M., Bolker, B. & Walker, S. (2015). Fitting linear
mixed-effects models using lme4. Journal of Statistical Software, 67(1).
Curran, P. J. & Bauer, D. J. (2011). The disaggregation of within-person and
between-person effects in longitudinal models of change. Annual Review of Psychology, 62.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, stats

if TYPE_CHECKING:
    import polars as pl

from ._blas import single_thread_blas

__all__ = ["MixedResult", "fit_mixed", "person_mean_centre", "alliance_outcome_model"]

# A table of one row per observation: pandas, polars, or columns by name.
Table: TypeAlias = (
    "pd.DataFrame | pl.DataFrame | Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]"
)


def as_pandas(data: Table) -> pd.DataFrame:
    """Return ``data`` (pandas, polars, columns by name or rows) as a pandas frame."""
    if isinstance(data, pd.DataFrame):
        return pd.DataFrame(data)
    if hasattr(data, "to_pandas"):  # polars, without importing it
        return data.to_pandas()
    return pd.DataFrame(data)


@dataclass(frozen=True)
class MixedResult:
    """Fixed effects, variance components and likelihood of a fitted mixed model."""

    fixed: pd.DataFrame  # term, est, se, z, pvalue (normal approximation)
    random: dict[str, float]  # var_intercept, cov_intercept_time, var_time, var_residual
    loglik: float  # ML log-likelihood, or REML log-likelihood when reml=True
    criterion: float  # -2 loglik (lme4's deviance / REML criterion)
    reml: bool
    n_obs: int
    n_groups: int
    converged: bool
    theta: tuple[float, ...]  # lme4's theta: entries of L, column-wise lower triangle

    def to_dict(self) -> dict[str, Any]:
        return {
            "fixed": self.fixed.to_dict(orient="records"),
            "random": self.random,
            "loglik": self.loglik,
            "criterion": self.criterion,
            "reml": self.reml,
            "n_obs": self.n_obs,
            "n_groups": self.n_groups,
            "converged": self.converged,
        }


def person_mean_centre(
    data: pd.DataFrame,
    column: str,
    group: str,
    *,
    suffixes: tuple[str, str] = ("_within", "_between"),
) -> pd.DataFrame:
    """Split ``column`` into a within-group deviation and the group mean (new columns).

    x_ij = (x_ij - xbar_i) + xbar_i; the mean is over the group's non-missing values
    (Curran & Bauer 2011; Hoffman & Stawski 2009).
    """
    frame = data.copy()
    mean = frame.groupby(group)[column].transform("mean")
    frame[column + suffixes[0]] = frame[column] - mean
    frame[column + suffixes[1]] = mean
    return frame


class GroupCrossProducts:
    """Per-group cross-products of [Z | X | y]."""

    def __init__(
        self,
        groups: NDArray[np.intp],
        z: NDArray[np.float64],
        x: NDArray[np.float64],
        y: NDArray[np.float64],
    ) -> None:
        if np.any(groups[1:] < groups[:-1]):  # session tables usually come sorted
            order = np.argsort(groups, kind="stable")
            groups, z, x, y = groups[order], z[order], x[order], y[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        q, p = z.shape[1], x.shape[1]
        w = np.column_stack([z, x, y])  # N x (q + p + 1)
        k = w.shape[1]
        # per-group sums of the products of each random-effect column with [Z | X | y]
        # (only those rows of the cross-product are needed per group; the rest is total)
        rows: list[int] = []
        cols: list[int] = []
        blocks: list[NDArray[np.float64]] = []
        for i in range(q):
            part = w[:, i:] if np.all(w[:, i] == 1.0) else w[:, i : i + 1] * w[:, i:]
            blocks.append(np.add.reduceat(part, starts, axis=0))
            rows += [i] * (k - i)
            cols += list(range(i, k))
        sums = np.hstack(blocks)
        cross = np.zeros((len(starts), q, k))
        rows_a, cols_a = np.array(rows), np.array(cols)
        cross[:, rows_a, cols_a] = sums
        lower = cols_a < q
        cross[:, cols_a[lower], rows_a[lower]] = sums[:, lower]
        self.q, self.p = q, p
        self.zz = cross[:, :q, :q]
        self.zx = cross[:, :q, q : q + p]
        self.zy = cross[:, :q, q + p]
        total = w.T @ w
        self.xx = total[q : q + p, q : q + p]
        self.xy = total[q : q + p, q + p]
        self.yy = total[q + p, q + p]
        self.n_obs = len(y)
        self.n_groups = len(starts)
        if q == 2:
            # contiguous per-group pieces for the closed-form 2 x 2 evaluation
            self.z00 = np.ascontiguousarray(self.zz[:, 0, 0])
            self.z01 = np.ascontiguousarray(self.zz[:, 0, 1])
            self.z11 = np.ascontiguousarray(self.zz[:, 1, 1])
            self.zy0 = np.ascontiguousarray(self.zy[:, 0])
            self.zy1 = np.ascontiguousarray(self.zy[:, 1])
            self.zx0 = np.ascontiguousarray(self.zx[:, 0, :])
            self.zx1 = np.ascontiguousarray(self.zx[:, 1, :])
            g = len(starts)
            self.p00 = (self.zx0[:, :, None] * self.zx0[:, None, :]).reshape(g, p * p)
            p01 = self.zx0[:, :, None] * self.zx1[:, None, :]
            self.s01 = (p01 + p01.transpose(0, 2, 1)).reshape(g, p * p)
            self.p11 = (self.zx1[:, :, None] * self.zx1[:, None, :]).reshape(g, p * p)


def _lambda(theta: NDArray[np.float64], q: int) -> NDArray[np.float64]:
    lam = np.zeros((q, q))
    idx = 0
    for j in range(q):  # column-wise lower triangle, as lme4's theta
        for i in range(j, q):
            lam[i, j] = theta[idx]
            idx += 1
    return lam


def _reduce(
    lam: NDArray[np.float64], st: GroupCrossProducts
) -> tuple[float, NDArray[np.float64], NDArray[np.float64], float]:
    """sum log|M_i|, and A, c, d of the module docstring, for the factor ``lam``."""
    q = st.q
    if q == 1:
        l2 = lam[0, 0] ** 2
        m = l2 * st.zz[:, 0, 0] + 1.0
        logdet_m = float(np.log(m).sum())
        wx = lam[0, 0] * st.zx[:, 0, :]  # (g, p)
        wy = lam[0, 0] * st.zy[:, 0]
        u = wx / m[:, None]
        a = st.xx - wx.T @ u
        c = st.xy - u.T @ wy
        d = st.yy - float((wy * wy / m).sum())
        return logdet_m, a, c, d
    if q == 2:
        # closed-form 2 x 2 algebra: per-group scalars, then matrix-vector products with
        # the precomputed per-group outer products of Z'X (see GroupCrossProducts)
        l11, l21, l22 = lam[0, 0], lam[1, 0], lam[1, 1]
        z00, z01, z11 = st.z00, st.z01, st.z11
        m00 = l11 * l11 * z00 + 2 * l11 * l21 * z01 + l21 * l21 * z11 + 1.0
        m01 = l22 * (l11 * z01 + l21 * z11)
        m11 = l22 * l22 * z11 + 1.0
        det = m00 * m11 - m01 * m01
        if np.any(det <= 0):
            raise np.linalg.LinAlgError("M is not positive definite")
        logdet_m = float(np.log(det).sum())
        i00, i01, i11 = m11 / det, -m01 / det, m00 / det
        c00 = i00 * (l11 * l11)
        c01 = i00 * (l11 * l21) + i01 * (l11 * l22)
        c11 = i00 * (l21 * l21) + 2 * i01 * (l21 * l22) + i11 * (l22 * l22)
        p = st.p
        a = st.xx - (c00 @ st.p00 + c01 @ st.s01 + c11 @ st.p11).reshape(p, p)
        wy0 = l11 * st.zy0 + l21 * st.zy1
        wy1 = l22 * st.zy1
        v0 = i00 * wy0 + i01 * wy1  # M^-1 L'Z'y
        v1 = i01 * wy0 + i11 * wy1
        c = st.xy - (st.zx0.T @ (l11 * v0) + st.zx1.T @ (l21 * v0 + l22 * v1))
        d = st.yy - float(wy0 @ v0 + wy1 @ v1)
        return logdet_m, a, c, d
    m = np.einsum("ji,gjk,kl->gil", lam, st.zz, lam) + np.eye(q)
    chol = np.linalg.cholesky(m)
    logdet_m = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum()
    minv = np.linalg.inv(m)
    wx = np.einsum("ji,gjk->gik", lam, st.zx)  # L'Z'X  (g, q, p)
    wy = np.einsum("ji,gj->gi", lam, st.zy)  # L'Z'y  (g, q)
    mwx = minv @ wx
    a = st.xx - np.einsum("giq,gir->qr", wx, mwx)
    c = st.xy - np.einsum("gi,gir->r", wy, mwx)
    d = st.yy - float((wy * (minv @ wy[..., None])[..., 0]).sum())
    return logdet_m, a, c, d


def profile_deviance(
    theta: NDArray[np.float64], st: GroupCrossProducts, reml: bool
) -> tuple[float, NDArray[np.floating[Any]], float, NDArray[np.float64], NDArray[np.float64]]:
    """Return the profiled (RE)ML criterion at `theta`, with beta, sigma², A and Lambda."""
    p = st.p
    lam = _lambda(theta, st.q)
    logdet_m, a, c, d = _reduce(lam, st)
    a = (a + a.T) / 2
    ca = np.linalg.cholesky(a)
    beta = np.linalg.solve(a, c)
    r2 = d - c @ beta
    n = st.n_obs
    if reml:
        dof = n - p
        crit = (
            logdet_m
            + 2.0 * np.log(np.diag(ca)).sum()
            + dof * (1 + math.log(2 * math.pi * r2 / dof))
        )
        sigma2 = r2 / dof
    else:
        crit = logdet_m + n * (1 + math.log(2 * math.pi * r2 / n))
        sigma2 = r2 / n
    return crit, beta, sigma2, a, lam


def fit_mixed(
    data: Table,
    outcome: str,
    fixed: Sequence[str],
    group: str,
    *,
    random_slope: str | None = None,
    reml: bool = True,
) -> MixedResult:
    """Fit ``outcome ~ 1 + fixed + (1 + random_slope | group)`` by REML or ML.

    Parameters
    ----------
    data : DataFrame (pandas or polars), one row per observation (session)
    outcome : column of the response
    fixed : columns entering as fixed effects (an intercept is added)
    group : column identifying the clusters (episodes)
    random_slope : column with a random slope by group (e.g. the session number), or None
        for a random intercept only
    reml : REML (lme4's default) or ML

    Rows with a missing value in any used column are dropped.
    """
    frame = as_pandas(data)
    cols = [outcome, *fixed, group] + ([random_slope] if random_slope else [])
    absent = [c for c in dict.fromkeys(cols) if c not in frame.columns]
    if absent:
        raise KeyError(f"columns not in the data: {', '.join(absent)}")
    frame = frame[list(dict.fromkeys(cols))].dropna()
    if frame.empty:
        raise ValueError("no complete rows")
    groups = pd.factorize(frame[group])[0]
    x = np.column_stack([np.ones(len(frame)), frame[list(fixed)].to_numpy(dtype=float)])
    z = (
        np.column_stack([np.ones(len(frame)), frame[random_slope].to_numpy(dtype=float)])
        if random_slope
        else np.ones((len(frame), 1))
    )
    y = frame[outcome].to_numpy(dtype=float)
    with single_thread_blas():
        return _fit(groups, x, z, y, ["(Intercept)", *fixed], random_slope, reml)


def _fit(
    groups: NDArray[np.intp],
    x: NDArray[np.float64],
    z: NDArray[np.float64],
    y: NDArray[np.float64],
    names: list[str],
    random_slope: str | None,
    reml: bool,
) -> MixedResult:
    st = GroupCrossProducts(groups, z, x, y)
    q = st.q
    n_theta = q * (q + 1) // 2
    diag_pos: list[int] = []
    idx = 0
    for j in range(q):
        for i in range(j, q):
            if i == j:
                diag_pos.append(idx)
            idx += 1
    bounds = [(0.0, None) if k in diag_pos else (None, None) for k in range(n_theta)]

    def objective(theta: NDArray[np.float64]) -> float:
        try:
            return profile_deviance(theta, st, reml)[0]
        except np.linalg.LinAlgError:
            return 1e300

    start = np.array([1.0 if k in diag_pos else 0.0 for k in range(n_theta)])
    res = optimize.minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-9, "gtol": 1e-6, "maxiter": 2000},
    )
    theta, converged = _newton_polish(objective, res.x, diag_pos)
    crit, beta, sigma2, a, lam = profile_deviance(theta, st, reml)
    vcov = sigma2 * np.linalg.inv(a)
    se = np.sqrt(np.diag(vcov))
    zval = beta / se
    fixed = pd.DataFrame(
        {
            "term": names,
            "est": beta,
            "se": se,
            "z": zval,
            "pvalue": 2 * stats.norm.sf(np.abs(zval)),
        }
    )
    g = sigma2 * lam @ lam.T
    random = {"var_intercept": float(g[0, 0])}
    if q == 2 and random_slope is not None:  # q is 2 exactly when there is a random slope
        random["cov_intercept_" + random_slope] = float(g[0, 1])
        random["var_" + random_slope] = float(g[1, 1])
    random["var_residual"] = float(sigma2)
    return MixedResult(
        fixed=fixed,
        random=random,
        loglik=-crit / 2,
        criterion=float(crit),
        reml=reml,
        n_obs=st.n_obs,
        n_groups=st.n_groups,
        converged=converged,
        theta=tuple(float(t) for t in theta),
    )


def _newton_polish(
    objective: Callable[[NDArray[np.float64]], float],
    theta: NDArray[np.float64],
    diag_pos: list[int],
    max_iter: int = 20,
) -> tuple[NDArray[np.float64], bool]:
    """Newton steps on central-difference derivatives of the (smooth) profiled criterion.

    L-BFGS-B with finite-difference gradients stops about 1e-6 from the optimum; a few
    Newton steps on the three-parameter criterion bring it to about 1e-9.
    """
    k = len(theta)
    lower = np.full(k, -np.inf)
    lower[diag_pos] = 0.0
    f0 = objective(theta)
    for _ in range(max_iter):
        h = 1e-4 * np.maximum(1.0, np.abs(theta))
        grad = np.zeros(k)
        hess = np.zeros((k, k))
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h[i]
            fp, fm = objective(theta + ei), objective(theta - ei)
            grad[i] = (fp - fm) / (2 * h[i])
            hess[i, i] = (fp - 2 * f0 + fm) / h[i] ** 2
            for j in range(i):
                ej = np.zeros(k)
                ej[j] = h[j]
                fpp = objective(theta + ei + ej)
                fmm = objective(theta - ei - ej)
                fpm = objective(theta + ei - ej)
                fmp = objective(theta - ei + ej)
                hess[i, j] = hess[j, i] = (fpp - fpm - fmp + fmm) / (4 * h[i] * h[j])
        # parameters held at their bound (a zero variance) stay there
        active = (theta <= lower + 1e-12) & (grad > 0)
        free = ~active
        step = np.zeros(k)
        try:
            step[free] = np.linalg.solve(hess[np.ix_(free, free)], grad[free])
        except np.linalg.LinAlgError:
            return theta, False
        # a Newton decrement below 1e-9 (in units of the deviance): the step is the last
        predicted = 0.5 * float(grad @ step)
        alpha = 1.0
        while alpha > 1e-6:
            cand = np.maximum(theta - alpha * step, lower)
            fc = objective(cand)
            if fc <= f0:
                break
            alpha /= 2
        else:
            return theta, True  # no improvement possible: at the optimum
        moved = np.abs(cand - theta).max()
        decrease = f0 - fc
        theta, f0 = cand, fc
        # stop when the step is tiny or the criterion no longer moves beyond rounding
        if moved < 1e-9 or decrease < 1e-10 * max(1.0, abs(f0)) * 1e-6 or predicted < 1e-9:
            return theta, True
    return theta, True


def alliance_outcome_model(
    data: Table,
    *,
    outcome: str = "outcome",
    alliance: str = "alliance",
    time: str = "session_number",
    group: str = "episode_id",
    covariates: Sequence[str] = (),
    reml: bool = True,
) -> MixedResult:
    """Prebuilt model (d): growth of the outcome over sessions, alliance within/between.

    Path diagram in words: the outcome at each session depends on the session number
    (growth), on the episode's deviation from its own mean alliance at that session
    (within-person effect: sessions with a better alliance than usual for this client)
    and on the episode's mean alliance (between-person effect: clients with a better
    alliance overall); each episode has its own intercept and slope of session
    (random, correlated):

        outcome_ij = b0 + b1 session_ij + b2 (alliance_ij - mean_i) + b3 mean_i
                     + u0_i + u1_i session_ij + e_ij

    References: Curran & Bauer (2011); Falkenström, Finkel, Sandell, Rubel & Holmqvist
    (2017) on within-patient alliance effects; instruments-and-methods §B6.
    """
    frame = as_pandas(data)
    frame = frame.dropna(subset=[outcome, alliance, time, group])
    frame = person_mean_centre(frame, alliance, group)
    return fit_mixed(
        frame,
        outcome,
        [time, alliance + "_within", alliance + "_between", *covariates],
        group,
        random_slope=time,
        reml=reml,
    )
