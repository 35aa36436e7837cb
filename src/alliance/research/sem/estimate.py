"""Maximum-likelihood estimation of structural equation models (complete data and FIML).

The model is written in RAM form (McArdle & McDonald 1984): with all variables (observed
first, then latent) in one vector, paths in ``A``, (residual) variances and covariances in
``S`` and intercepts in ``m``,

    B = (I - A)^-1,   Sigma = F B S B' F',   mu = F B m.

The objective is minus the log-likelihood per case. With missing data (``missing="ml"``,
full-information ML) the cases are grouped by their pattern of observed variables and
each pattern ``k`` with ``n_k`` cases, sample mean ``ybar_k`` and (biased) covariance
``S_k`` contributes

    n_k/2 [p_k log(2 pi) + log|Sigma_k| + tr(Sigma_k^-1 (S_k + d_k d_k'))],  d_k = ybar_k - mu_k,

so the cost of one evaluation does not grow with the number of cases. Gradients are
analytic: dF = tr(W dSigma) + w' dmu with W and w summed over the patterns, and
dSigma/dtheta, dmu/dtheta from the RAM matrices. Optimisation is Fisher scoring with a
backtracking line search; with missing data it is polished by Newton steps on the
Hessian obtained by central differences of the analytic gradient. Iteration stops at a
gradient of 1e-12 or a Newton decrement of 1e-20 (far tighter than lavaan's default).

Standard errors follow lavaan's defaults for ML: the expected information for complete
data, the observed information (Hessian) for ``missing="ml"``; fit measures follow
lavaan 0.6 (``fitMeasures``), with N (not N - 1) in the likelihood; with exogenous
covariates (``fixed_x``) the log-likelihood is conditional on them, as lavaan's.

References: Bollen, K. A. (1989). Structural equations with latent variables. Wiley.
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
Rosseel, Y. (2012). lavaan. Journal of Statistical Software, 48(2).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import linalg, special, stats

from .._blas import single_thread_blas
from ..multilevel import Table, as_pandas
from .defined import defined_estimates, defined_values
from .likelihood import LOG2PI, Patterns, em_saturated, loglik_parts
from .ordinal import ordinal_stats
from .partable import ParRow, ParTable, build_partable, split_groups
from .ram import ImpliedDeriv, RamModel
from .robust import h1_observed_information, h1_scores, moment_jacobian, scaling_trace
from .wls import (
    OrdinalGroup,
    explained_variance,
    ordinal_levels,
    prepare_ordinal_table,
    wlsmv_fit,
)

__all__ = ["SemFit", "fit_sem"]


class _Record(TypedDict):
    """One row of ``SemFit.estimates`` while it is built."""

    lhs: str
    op: str
    rhs: str
    label: str
    free: bool
    est: float
    se: float
    z: float
    pvalue: float
    std_all: NotRequired[float]
    group: NotRequired[str]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SemFit:
    """A fitted model: the parameter table, fit measures and what produced them."""

    estimates: pd.DataFrame  # every row: lhs, op, rhs, label, free, est, se, z, pvalue, std_all
    fit: dict[str, float]
    n_obs: int
    converged: bool
    iterations: int
    max_gradient: float
    vcov: NDArray[np.float64]
    # one frame (series) per group label when the model has groups
    implied_cov: pd.DataFrame | dict[str, pd.DataFrame]
    implied_mean: pd.Series[float] | dict[str, pd.Series[float]] | None
    options: dict[str, Any] = field(default_factory=dict)  # JSON-ready

    def free_parameters(self) -> pd.DataFrame:
        """The free parameters only, with lavaan's column names."""
        out = self.estimates[self.estimates["free"]]
        return out[self._columns()].reset_index(drop=True)

    def _columns(self) -> list[str]:
        cols = (
            ["lhs", "op", "rhs", "group"]
            if "group" in self.estimates.columns
            else ["lhs", "op", "rhs"]
        )
        cols += ["est", "se", "z", "pvalue"]
        cols += [c for c in ("ci.lower", "ci.upper") if c in self.estimates.columns]
        return cols

    def defined_parameters(self) -> pd.DataFrame:
        """The defined parameters (``:=``) with delta-method standard errors."""
        out = self.estimates[self.estimates["op"] == ":="]
        return out[self._columns()].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: every free parameter, defined parameters and the fit measures."""

        def clean(v: float) -> float | None:
            v = float(v)
            return None if not math.isfinite(v) else v

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = []
            for r in frame.to_dict("records"):
                row = {k: r[k] for k in ("lhs", "op", "rhs")}
                if "group" in r:
                    row["group"] = r["group"]
                row.update({k: clean(r[k]) for k in ("est", "se", "z", "pvalue")})
                row.update({k: clean(r[k]) for k in ("ci.lower", "ci.upper") if k in r})
                out.append(row)
            return out

        fit = {k: clean(v) for k, v in self.fit.items()}
        return {
            "parameters": rows(self.free_parameters()),
            "defined": rows(self.defined_parameters()),
            "fit": fit,
            "n_obs": self.n_obs,
            "converged": self.converged,
            "options": self.options,
        }


# --------------------------------------------------------------------------- fitting


def _as_frame(data: Table) -> pd.DataFrame:
    """Return ``data`` as a pandas frame; a pandas frame itself, not a copy."""
    if isinstance(data, pd.DataFrame):
        return data
    return as_pandas(data)


def _start_values(
    pt: ParTable, model: RamModel, cov: NDArray[np.float64], mean: NDArray[np.float64]
) -> NDArray[np.float64]:
    theta = np.full(pt.n_free, np.nan)
    ov_pos = {n: i for i, n in enumerate(pt.ov)}
    marker: dict[str, tuple[str, float]] = {}
    for row in pt.rows:
        if row.op == "=~" and not row.free and row.lhs not in marker and row.value:
            marker[row.lhs] = (row.rhs, float(row.value))
    lv_var: dict[str, float] = {}
    for f, (ind, c) in marker.items():
        if ind in ov_pos:
            lv_var[f] = 0.5 * cov[ov_pos[ind], ov_pos[ind]] / c**2
    for row in pt.rows:
        if not row.free or not np.isnan(theta[row.index]):
            continue
        if row.value is not None:
            start = float(row.value)
        elif row.op == "=~":
            start = 1.0
            mk = marker.get(row.lhs)
            if mk and mk[0] in ov_pos and row.rhs in ov_pos and row.lhs in lv_var:
                i, r = ov_pos[row.rhs], ov_pos[mk[0]]
                start = cov[i, r] / (mk[1] * lv_var[row.lhs])
        elif row.op == "~~" and row.lhs == row.rhs:
            if row.lhs in ov_pos:
                start = 0.5 * cov[ov_pos[row.lhs], ov_pos[row.lhs]]
            else:
                start = lv_var.get(row.lhs, 0.05)
        elif row.op == "~1" and row.lhs in ov_pos:
            start = mean[ov_pos[row.lhs]]
        else:
            start = 0.0
        theta[row.index] = start
    return theta


class _Objective:
    """Minus the log-likelihood per case of one group, its gradient and information."""

    def __init__(self, model: RamModel, pat: Patterns, meanstructure: bool) -> None:
        self.model = model
        self.pat = pat
        self.meanstructure = meanstructure
        self._last: tuple[bytes, ImpliedDeriv] | None = None

    def _implied_deriv(self, theta: NDArray[np.float64]) -> ImpliedDeriv:
        """implied(theta, deriv=True), reused when asked again at the same theta."""
        key = theta.tobytes()
        if self._last is None or self._last[0] != key:
            self._last = (key, self.model.implied(theta, deriv=True))
        return self._last[1]

    def value(self, theta: NDArray[np.float64]) -> float:
        """Return the objective at ``theta`` (infinite where Sigma is not PD)."""
        sigma, mu, _, _ = self.model.implied(theta)
        parts = loglik_parts(self.pat, sigma, mu if self.meanstructure else None)
        return math.inf if parts is None else parts[0]

    def value_grad(self, theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64] | None]:
        """Return the objective and its gradient (None where Sigma is not PD)."""
        sigma, mu, ds, dm = self._implied_deriv(theta)
        parts = loglik_parts(self.pat, sigma, mu if self.meanstructure else None)
        if parts is None:
            return math.inf, None
        f, w_s, w_m = parts
        g: NDArray[np.float64] = np.einsum("kij,ij->k", ds, w_s)
        if self.meanstructure:
            g = g + dm @ w_m
        return f, g

    def expected_information(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Unit expected information, pattern-weighted (Fisher scoring matrix)."""
        sigma, _mu, ds, dm = self._implied_deriv(theta)
        q = self.model.q
        info = np.zeros((q, q))
        for g in self.pat.groups:
            inv = np.linalg.inv(sigma[g.oo])  # (K, s, s)
            o = g.obs
            dk = ds[:, o[:, :, None], o[:, None, :]]  # (q, K, s, s)
            x = inv[None] @ dk
            xw = x * g.n[None, :, None, None]
            part = 0.5 * xw.reshape(q, -1) @ x.transpose(0, 1, 3, 2).reshape(q, -1).T
            if self.meanstructure:
                mk = dm[:, o]  # (q, K, s)
                z = (inv[None] @ mk[..., None])[..., 0]
                part = part + (mk * g.n[None, :, None]).reshape(q, -1) @ z.reshape(q, -1).T
            info += part / self.pat.n_total
        return (info + info.T) / 2

    def hessian(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        """Forward differences of the analytic gradient, symmetrised (q + 1 gradients).

        With h = 1e-7 |theta| the truncation error is ~1e-7 and the rounding error
        ~1e-9 relative: far inside the 1e-4 agreement with lavaan's standard errors, at
        half the cost of central differences.
        """
        q = len(theta)
        hess = np.zeros((q, q))
        _, g0 = self.value_grad(theta)
        if g0 is None:
            raise FloatingPointError("the Hessian's centre is not admissible")
        for k in range(q):
            h = 1e-7 * max(1.0, abs(theta[k]))
            up = theta.copy()
            up[k] += h
            _, gu = self.value_grad(up)
            if gu is None:
                up[k] = theta[k] - h
                _, gu = self.value_grad(up)
                h = -h
            if gu is None:
                raise FloatingPointError("Hessian step left the admissible region")
            hess[:, k] = (gu - g0) / h
        return (hess + hess.T) / 2


def _optimise(
    obj: _Objective, theta: NDArray[np.float64], *, hessian_polish: bool, max_iter: int = 500
) -> tuple[NDArray[np.float64], float, NDArray[np.float64], int, bool, NDArray[np.float64] | None]:
    """Fisher scoring with a line search, then (optionally) Newton on the numeric Hessian.

    With complete data the Fisher (expected-information) steps converge fast on their
    own; with missing data the pattern-weighted expected information is only an
    approximation, so the last steps use the Hessian, which is returned for the
    observed-information standard errors. Returns (theta, f, g, iterations, converged,
    last Hessian or None).
    """
    f, g = obj.value_grad(theta)
    if g is None:
        raise ValueError("the start values give a covariance matrix that is not positive definite")
    iterations = 0
    newton = False
    fisher_close = 0
    hmat: NDArray[np.float64] | None = None
    for iterations in range(1, max_iter + 1):  # noqa: B007
        hmat = obj.hessian(theta) if newton else obj.expected_information(theta)
        try:
            step = linalg.solve(hmat, g, assume_a="sym")
        except linalg.LinAlgError:
            step = linalg.lstsq(hmat, g)[0]
        decrement = float(g @ step)
        if not np.isfinite(decrement) or decrement <= 0:
            # fall back to a scaled gradient step when the matrix is not positive
            step = g / max(1.0, np.abs(g).max())
            decrement = float(g @ step)
        alpha = 1.0
        while True:
            candidate = theta - alpha * step
            f_new = obj.value(candidate)
            if f_new <= f - 1e-4 * alpha * decrement or (
                decrement < 1e-12 and math.isfinite(f_new) and f_new <= f + 1e-14 * abs(f)
            ):
                break
            alpha /= 2
            if alpha < 1e-12:
                candidate = theta
                break
        moved = np.abs(candidate - theta).max() if candidate is not theta else 0.0
        theta = candidate
        f, g = obj.value_grad(theta)
        if g is None:  # not reached: the line search accepts admissible points only
            raise FloatingPointError("the line search left the admissible region")
        gmax = float(np.abs(g).max())
        if gmax < 1e-12 or decrement < 1e-20 or (newton and moved < 1e-14):
            reuse = newton and moved < 1e-7  # the Hessian is still good for the SEs
            return theta, f, g, iterations, True, hmat if reuse else None
        if not newton and (decrement < 1e-14 or moved == 0.0):
            fisher_close += 1
            # polish with the exact Hessian (missing data), or when scoring stalls
            if hessian_polish or moved == 0.0 or fisher_close > 25:
                newton = True
    return theta, f, g, iterations, False, None


def _add_standardized(records: list[_Record], ram: RamModel, theta: NDArray[np.float64]) -> None:
    """Add lavaan's ``std.all`` to each row (``standardizedSolution()``).

    Loadings and paths are rescaled by the model-implied standard deviations of both
    variables, variances divided by the total variance, covariances between residuals by
    the residual standard deviations (a residual correlation), intercepts by the SD.
    """
    a, s, _mv = ram.matrices(theta)
    b = linalg.inv(np.eye(ram.m) - a)
    total = b @ s @ b.T
    pos = {n: i for i, n in enumerate(ram.names)}
    sd = np.sqrt(np.clip(np.diag(total), 0, None))
    rsd = np.sqrt(np.clip(np.diag(s), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        for rec in records:
            est, op = rec["est"], rec["op"]
            i = pos[rec["lhs"]]
            if op == "=~":
                value = est * sd[i] / sd[pos[rec["rhs"]]]
            elif op == "~":
                value = est * sd[pos[rec["rhs"]]] / sd[i]
            elif op == "~~" and rec["lhs"] == rec["rhs"]:
                value = est / sd[i] ** 2
            elif op == "~~":
                value = est / (rsd[i] * rsd[pos[rec["rhs"]]])
            else:  # intercepts and means
                value = est / sd[i]
            rec["std_all"] = float(value) if np.isfinite(value) else math.nan


def _robust_group(
    x: NDArray[np.float64],
    pat: Patterns,
    sigma: NDArray[np.float64],
    mu: NDArray[np.float64],
    d_sigma: NDArray[np.float64],
    d_mu: NDArray[np.float64],
    meanstructure: bool,
    h1_mean: NDArray[np.float64],
    h1_cov: NDArray[np.float64],
) -> tuple[NDArray[np.float64], float, float]:
    """One group's first-order information B0, tr(A1^-1 B1) and the baseline's trace."""
    n = pat.n_total
    p = sigma.shape[0]

    def first_order(s: NDArray[np.float64], m: NDArray[np.float64]) -> NDArray[np.float64]:
        scores = h1_scores(x, s, m if meanstructure else h1_mean, meanstructure)
        return scores.T @ scores / n

    delta = moment_jacobian(d_sigma, d_mu, meanstructure)
    b0 = delta.T @ first_order(sigma, mu) @ delta
    # the h1 part of the trace, at the saturated estimates (shared with the baseline)
    a1 = h1_observed_information(pat, h1_cov, h1_mean, meanstructure)
    b1 = first_order(h1_cov, h1_mean)
    trace_h1 = scaling_trace(a1, b1, np.zeros((1, 1)), np.zeros((1, 1)))
    # baseline (independence) model: its moments are linear in its parameters
    if pat.complete:
        var_b, mu_b = np.diag(h1_cov), h1_mean
    else:
        var_b, mu_b = np.nanvar(x, axis=0), np.nanmean(x, axis=0)
    sigma_b = np.diag(var_b)
    rows, cols = np.tril_indices(p)
    k_m = p if meanstructure else 0
    delta_b = np.zeros((k_m + len(rows), k_m + p))
    delta_b[np.arange(k_m), np.arange(k_m)] = 1.0
    diag = np.flatnonzero(rows == cols)
    delta_b[k_m + diag, k_m + rows[diag]] = 1.0
    a1_b = h1_observed_information(pat, sigma_b, mu_b if meanstructure else h1_mean, meanstructure)
    e_b_inv = linalg.inv(delta_b.T @ a1_b @ delta_b)
    b0_b = delta_b.T @ first_order(sigma_b, mu_b) @ delta_b
    trace_b = scaling_trace(a1, b1, b0_b, e_b_inv)
    return b0, trace_h1, trace_b


def _robust_groups(
    groups: list[_GroupData],
    implied: list[ImpliedDeriv],
    info: NDArray[np.float64],
    meanstructure: bool,
) -> tuple[NDArray[np.float64], dict[str, float]]:
    """Sandwich covariance of the estimates and the Yuan-Bentler traces (model, baseline).

    With several groups, B0 = sum_g (n_g/N) B0_g and tr(U Gamma) = sum_g tr(A1_g^-1 B1_g)
    - tr(E^-1 B0), as lavaan's ``lav_test_yuan_bentler_mplus_trace``.
    """
    n = sum(g.pat.n_total for g in groups)
    e_inv = linalg.inv(info)
    b0 = np.zeros_like(info)
    trace = trace_b = 0.0
    for g, (sigma, mu, d_sigma, d_mu) in zip(groups, implied, strict=True):
        b0_g, trace_h1, trace_b_g = _robust_group(
            g.x, g.pat, sigma, mu, d_sigma, d_mu, meanstructure, g.h1_mean, g.h1_cov
        )
        b0 += g.pat.n_total / n * b0_g
        trace += trace_h1
        trace_b += trace_b_g
    trace -= float(np.sum(b0 * e_inv.T))
    vcov = e_inv @ b0 @ e_inv / n
    return vcov, {"trace": trace, "trace_baseline": trace_b}


def _scaled_measures(
    chisq: float,
    df: int,
    chisq_b: float,
    df_b: int,
    n_obs: int,
    scaled: dict[str, float],
    n_groups: int = 1,
) -> dict[str, float]:
    """Scaled chi-square and the fit measures lavaan derives from it (``*.scaled``)."""
    c = scaled["trace"] / df if df > 0 else math.nan
    c_b = scaled["trace_baseline"] / df_b if df_b > 0 else math.nan
    t = chisq / c if df > 0 else chisq
    t_b = chisq_b / c_b if df_b > 0 else chisq_b
    t1 = max(t - df, 0.0)
    t2 = max(t - df, t_b - df_b, 0.0)
    cfi = 1.0 if t2 == 0 else 1.0 - t1 / t2
    tli = (t_b / df_b - t / df) / (t_b / df_b - 1.0) if df > 0 and df_b > 0 else 1.0
    return {
        "chisq.scaled": t,
        "df.scaled": float(df),
        "pvalue.scaled": float(stats.chi2.sf(t, df)) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": t_b,
        "baseline.chisq.scaling.factor": c_b,
        "cfi.scaled": cfi,
        "tli.scaled": tli,
        "rmsea.scaled": math.sqrt(max(t / df - 1.0, 0.0) / n_obs * n_groups) if df > 0 else 0.0,
    }


def _srmr(
    sample_cov: NDArray[np.float64],
    sample_mean: NDArray[np.float64],
    sigma: NDArray[np.float64],
    mu: NDArray[np.float64],
    meanstructure: bool,
) -> float:
    sd = np.sqrt(np.diag(sample_cov))
    resid = (sample_cov - sigma) / np.outer(sd, sd)
    iu = np.triu_indices(len(sd))
    total = float((resid[iu] ** 2).sum())
    count = len(iu[0])
    if meanstructure:
        total += float((((sample_mean - mu) / sd) ** 2).sum())
        count += len(sd)
    return math.sqrt(total / count)


def fit_sem(
    model: str,
    data: Table,
    *,
    missing: str = "listwise",
    meanstructure: bool | None = None,
    fixed_x: bool = True,
    std_lv: bool = False,
    information: str | None = None,
    estimator: str | None = None,
    group: str | None = None,
    group_equal: Sequence[str] | str = (),
    bootstrap: int = 0,
    seed: int | None = None,
    level: float = 0.95,
    ordered: Sequence[str] | str | bool | None = None,
) -> SemFit:
    """Fit a model written in lavaan syntax by maximum likelihood, as ``lavaan::sem()``.

    Parameters
    ----------
    model : str
        lavaan model syntax.
    data : DataFrame (pandas or polars) or mapping of columns
        Raw data; the model's observed variables must be columns.
    missing : {"listwise", "ml"}
        ``"listwise"`` drops incomplete cases; ``"ml"`` is full-information maximum
        likelihood (adds a mean structure).
    meanstructure : bool, optional
        Estimate intercepts; default False unless the syntax has ``~ 1`` or ``missing="ml"``.
    fixed_x : bool
        Hold exogenous observed covariates at their sample moments (lavaan's ``fixed.x``).
    std_lv : bool
        Identify latent variables by fixing their variances to 1 instead of first loadings.
    information : {"expected", "observed"}, optional
        Information matrix for standard errors; lavaan's default is expected for complete
        data and observed for ``missing="ml"`` or ``estimator="MLR"``.
    estimator : {"ML", "MLR", "WLSMV"}, optional
        Default ``"ML"``, or ``"WLSMV"`` when ``ordered`` is given (as lavaan).
        ``"MLR"``: ML estimates with Huber-White (sandwich) standard errors and the
        Yuan-Bentler scaled chi-square (``chisq.scaled``, ``pvalue.scaled``,
        ``chisq.scaling.factor``, ``cfi.scaled``, ``tli.scaled``, ``rmsea.scaled``), as
        lavaan's ``estimator = "MLR"``; works with ``missing="ml"`` too.
    group : str, optional
        Column whose values define groups (lavaan's ``group``): the model is fitted in
        every group at once, groups in order of first appearance, with a mean structure.
        Rows of ``estimates`` then carry ``group`` (the group's value in the data).
    group_equal : sequence of str or comma-separated str
        Parameters held equal across groups (lavaan's ``group.equal``): ``loadings``,
        ``intercepts``, ``means``, ``residuals``, ``residual.covariances``,
        ``lv.variances``, ``lv.covariances``, ``regressions``. With ``intercepts`` the
        latent means are free in the groups after the first, as in lavaan.
    bootstrap : int
        Number of nonparametric bootstrap samples (cases resampled with replacement,
        within each group); adds percentile intervals ``ci.lower``, ``ci.upper`` at
        ``level`` for every parameter and every defined (``:=``) quantity, and
        ``boot.se`` (the standard deviation of the bootstrap estimates), as lavaan's
        ``se = "bootstrap"`` with ``boot.ci.type = "perc"``. Samples whose fit does not
        converge are left out, as lavaan does; ``options["bootstrap_successful"]`` counts
        the rest.
    seed : int, optional
        Seed of the bootstrap's random numbers (numpy's ``default_rng``).
    ordered : list of str, or True
        Ordered categorical indicators (lavaan's ``ordered``; ``True``: every observed
        variable). The model is then fitted by WLSMV: polychoric correlations, diagonally
        weighted least squares, robust standard errors and the mean- and variance-adjusted
        (scaled and shifted) test; thresholds appear as rows ``x | t1``, ``x | t2``, ....
        Every observed variable must be ordered; single group, complete cases.

    Returns
    -------
    SemFit
        ``estimates`` (every row of the parameter table), ``fit`` (chisq, df, pvalue, cfi,
        tli, rmsea, srmr, logl, aic, bic, ...), ``free_parameters()`` and ``to_dict()``.
    """
    with single_thread_blas():
        return _fit_sem(
            model,
            data,
            missing=missing,
            meanstructure=meanstructure,
            fixed_x=fixed_x,
            std_lv=std_lv,
            information=information,
            estimator=estimator,
            group=group,
            group_equal=group_equal,
            bootstrap=bootstrap,
            seed=seed,
            level=level,
            ordered=ordered,
        )


@dataclass
class _GroupData:
    """One group's data, saturated moments, RAM model and objective."""

    label: str
    pt: ParTable
    x: np.ndarray
    pat: Patterns
    h1_mean: np.ndarray
    h1_cov: np.ndarray
    h1_logl: float
    ram: RamModel
    obj: _Objective


class _MultiObjective(_Objective):
    """Sum over groups of (n_g / N) times each group's objective (lavaan's multi-group ML)."""

    def __init__(self, groups: list[_GroupData]) -> None:
        self.groups = groups
        n = sum(g.pat.n_total for g in groups)
        self.weights = [g.pat.n_total / n for g in groups]

    def value(self, theta: NDArray[np.float64]) -> float:
        return sum(w * g.obj.value(theta) for w, g in zip(self.weights, self.groups, strict=True))

    def value_grad(self, theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64] | None]:
        total, grad = 0.0, np.zeros(len(theta))
        for w, g in zip(self.weights, self.groups, strict=True):
            f, gr = g.obj.value_grad(theta)
            if gr is None:
                return math.inf, None
            total += w * f
            grad += w * gr
        return total, grad

    def expected_information(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        info = np.zeros((len(theta), len(theta)))
        for w, g in zip(self.weights, self.groups, strict=True):
            info += w * g.obj.expected_information(theta)
        return info


def _prepare_group(
    label: str, pt: ParTable, x: NDArray[np.float64], meanstructure: bool
) -> _GroupData:
    pat = Patterns.from_array(x)
    h1_mean, h1_cov, h1_logl = em_saturated(pat)
    ram = RamModel(pt, h1_cov, h1_mean)
    return _GroupData(
        label, pt, x, pat, h1_mean, h1_cov, h1_logl, ram, _Objective(ram, pat, meanstructure)
    )


def _group_arrays(
    frame: pd.DataFrame, pt: ParTable, missing: str, group: str | None, min_cases: int
) -> list[tuple[str, NDArray[np.float64]]]:
    """Split the data into groups (lavaan's order: first appearance); check each group."""
    sub = frame[pt.ov]
    if all(pd.api.types.is_numeric_dtype(t) for t in sub.dtypes):
        x_all = sub.to_numpy(dtype=float)
    else:
        x_all = sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if group is None:
        labels, codes = [""], np.zeros(len(frame), dtype=int)
    else:
        if group not in frame.columns:
            raise KeyError(f"group variable not in the data: {group}")
        codes_raw, uniques = pd.factorize(frame[group], sort=False)  # NaN -> -1
        keep = codes_raw >= 0
        if not keep.all():
            x_all, codes_raw = x_all[keep], codes_raw[keep]
        labels, codes = [str(u) for u in uniques], codes_raw
        if len(labels) < 2:
            raise ValueError(f"the group variable {group!r} has only one value")
    arrays = []
    for g, label in enumerate(labels):
        x = x_all[codes == g]
        if missing == "listwise":
            x = x[~np.isnan(x).any(axis=1)]
        elif pt.ov_x:
            xcols = [pt.ov.index(v) for v in pt.ov_x]
            incomplete = np.isnan(x[:, xcols]).any(axis=1)
            if incomplete.any():
                warnings.warn(
                    f"{int(incomplete.sum())} cases with missing exogenous covariates were "
                    "dropped (fixed_x=True); use fixed_x=False to keep them",
                    stacklevel=4,
                )
                x = x[~incomplete]
        if group is None and x.shape[0] < 2:
            raise ValueError("fewer than two usable cases")
        if group is not None and x.shape[0] < min_cases:
            raise ValueError(
                f"group {label!r} of {group!r} has {x.shape[0]} usable cases; a group needs "
                f"at least {min_cases} (one more than the {len(pt.ov)} observed variables)"
            )
        arrays.append((label, x))
    return arrays


def _fit_sem(
    model: str,
    data: Table,
    *,
    missing: str = "listwise",
    meanstructure: bool | None = None,
    fixed_x: bool = True,
    std_lv: bool = False,
    information: str | None = None,
    estimator: str | None = None,
    group: str | None = None,
    group_equal: Sequence[str] | str = (),
    bootstrap: int = 0,
    seed: int | None = None,
    level: float = 0.95,
    ordered: Sequence[str] | str | bool | None = None,
) -> SemFit:
    """The work of :func:`fit_sem` (which documents the arguments), under one BLAS thread."""
    if missing not in ("listwise", "ml"):
        raise ValueError("missing must be 'listwise' or 'ml'")
    if isinstance(ordered, str):
        ordered = [o.strip() for o in ordered.split(",") if o.strip()]
    estimator = (estimator or ("WLSMV" if ordered else "ML")).upper()
    if estimator not in ("ML", "MLR", "WLSMV"):
        raise ValueError("estimator must be 'ML', 'MLR' or 'WLSMV'")
    if (estimator == "WLSMV") != bool(ordered):
        raise ValueError("WLSMV is for ordered indicators: give both ordered= and WLSMV")
    robust = estimator == "MLR"
    if isinstance(group_equal, str):
        group_equal = [g.strip() for g in group_equal.split(",") if g.strip()]
    if ordered:
        return _fit_ordinal(
            model,
            _as_frame(data),
            ordered,
            std_lv=std_lv,
            group=group,
            group_equal=group_equal,
            missing=missing,
            bootstrap=bootstrap,
            seed=seed,
            level=level,
        )
    if group_equal and group is None:
        raise ValueError("group_equal needs a group variable (group=...)")
    if meanstructure is None:
        meanstructure = missing == "ml" or group is not None
    if missing == "ml":
        meanstructure = True
    base = build_partable(model, meanstructure=meanstructure, fixed_x=fixed_x, std_lv=std_lv)
    meanstructure = base.meanstructure
    frame = _as_frame(data)
    absent = [v for v in base.ov if v not in frame.columns]
    if absent:
        raise KeyError(f"variables not in the data: {', '.join(absent)}")
    arrays = _group_arrays(frame, base, missing, group, len(base.ov) + 1)
    tables = split_groups(base, len(arrays), group_equal) if group is not None else [base]
    groups = [
        _prepare_group(label, pt_g, x, meanstructure)
        for (label, x), pt_g in zip(arrays, tables, strict=True)
    ]
    pt = tables[0]
    n_free = pt.n_free
    n_obs = sum(g.pat.n_total for g in groups)
    p = len(base.ov)
    obj: _Objective = groups[0].obj if len(groups) == 1 else _MultiObjective(groups)
    theta0 = np.full(n_free, np.nan)
    for g in groups:
        start = _start_values(g.pt, g.ram, g.h1_cov, g.h1_mean)
        take = np.isnan(theta0) & ~np.isnan(start)
        theta0[take] = start[take]
    theta0 = np.nan_to_num(theta0)
    if robust and base.ov_x:
        raise ValueError(
            "MLR with exogenous observed covariates held fixed is not supported; "
            f"use fixed_x=False ({', '.join(base.ov_x)})"
        )
    if information is None:
        information = "observed" if (missing == "ml" or robust) else "expected"
    if information not in ("expected", "observed"):
        raise ValueError("information must be 'expected' or 'observed'")
    nx = len(base.ov_x)
    moments = p * (p + 1) // 2 + (p if meanstructure else 0)
    moments -= nx * (nx + 1) // 2 + (nx if meanstructure else 0)
    moments *= len(groups)
    df = moments - n_free
    if df < 0:
        raise ValueError(
            f"the model is not identified: {n_free} free parameters but only {moments} "
            f"sample moments (df = {df})"
        )
    complete = all(g.pat.complete for g in groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        theta, fmin, grad, iterations, converged, last_hessian = _optimise(
            obj, theta0, hessian_polish=not complete
        )
    if information == "expected":
        info = obj.expected_information(theta)
    elif last_hessian is not None:
        info = last_hessian  # from the last Newton step, less than 1e-7 away
    else:
        info = obj.hessian(theta)
    eig = np.linalg.eigvalsh(info) if n_free else np.array([1.0])
    if eig.min() <= 1e-10 * max(eig.max(), 1e-300):
        raise ValueError(_not_identified_message(info, tables[0].labels))
    vcov = linalg.inv(info) / n_obs
    implied = [g.ram.implied(theta, deriv=True) for g in groups]
    scaled: dict[str, float] = {}
    if robust:
        vcov, scaled = _robust_groups(groups, implied, info, meanstructure)
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))

    weights = [g.pat.n_total / n_obs for g in groups]
    logl = -fmin * n_obs
    h1_logl = sum(g.h1_logl for g in groups)
    npar = n_free
    chisq = max(2.0 * (h1_logl - logl), 0.0)
    pvalue = float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan
    base_logl = 0.0
    logl_x = 0.0
    xi = [base.ov.index(v) for v in base.ov_x]
    others = [i for i in range(p) if i not in xi]
    for g in groups:
        # independent normals: each variable's ML mean and variance over its observed
        # values, in closed form (the same as the FIML baseline with missing data)
        if g.pat.complete:
            var = np.diag(g.h1_cov)[others]
            counts = np.full(len(others), g.pat.n_total)
        else:
            cols = g.x[:, others]
            counts = (~np.isnan(cols)).sum(axis=0)
            var = np.nanvar(cols, axis=0)
        base_logl -= 0.5 * float(np.sum(counts * (LOG2PI + np.log(var) + 1.0)))
        if xi:
            lx = em_saturated(Patterns.from_array(g.x[:, xi]))[2]
            base_logl += lx
            logl_x += lx
    chisq_b = max(2.0 * (h1_logl - base_logl), 0.0)
    df_b = (p * (p + 1) // 2 - nx * (nx + 1) // 2 - len(others)) * len(groups)
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_b - df_b, 0.0)
    cfi = 1.0 if t2 == 0 else 1.0 - t1 / t2
    if df > 0 and df_b > 0 and chisq_b / df_b != 1:
        tli = (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1.0)
    else:
        tli = 1.0
    rmsea = math.sqrt(max((chisq - df) / (n_obs * df), 0.0)) if df > 0 else 0.0
    rmsea *= math.sqrt(len(groups))  # as lavaan for multiple groups
    srmr = sum(
        w * _srmr(g.h1_cov, g.h1_mean, imp[0], imp[1], meanstructure)
        for w, g, imp in zip(weights, groups, implied, strict=True)
    )
    # as lavaan (fixed.x), report the likelihood conditional on the exogenous covariates
    logl -= logl_x
    fit = {
        "npar": float(npar),
        "chisq": chisq,
        "df": float(df),
        "pvalue": pvalue,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "srmr": srmr,
        "logl": logl,
        "aic": -2.0 * logl + 2.0 * npar,
        "bic": -2.0 * logl + npar * math.log(n_obs),
        "baseline.chisq": chisq_b,
        "baseline.df": float(df_b),
        "ntotal": float(n_obs),
    }
    if scaled:
        fit.update(_scaled_measures(chisq, df, chisq_b, df_b, n_obs, scaled, len(groups)))

    records: list[_Record] = []
    for g in groups:
        group_records = _records(g.pt, g.h1_mean, g.h1_cov, theta, se_free)
        _add_standardized(group_records, g.ram, theta)
        if group is not None:
            for rec in group_records:
                rec["group"] = g.label
        records.extend(group_records)
    if base.definitions:
        records.extend(_defined_records(base, tables, records, theta, vcov, group))
    estimates = pd.DataFrame.from_records(records)
    boot_ok = None
    if bootstrap:
        boot_ok = _bootstrap_intervals(
            estimates,
            groups,
            tables,
            base,
            theta,
            complete,
            meanstructure,
            bootstrap,
            seed,
            level,
        )
    sigma_frames = {
        g.label: pd.DataFrame(imp[0], index=base.ov, columns=base.ov)
        for g, imp in zip(groups, implied, strict=True)
    }
    mean_series = {
        g.label: pd.Series(imp[1], index=base.ov) for g, imp in zip(groups, implied, strict=True)
    }
    return SemFit(
        estimates=estimates,
        fit=fit,
        n_obs=n_obs,
        converged=converged,
        iterations=iterations,
        max_gradient=float(np.abs(grad).max()),
        vcov=vcov,
        implied_cov=sigma_frames[""] if group is None else sigma_frames,
        implied_mean=(mean_series[""] if group is None else mean_series) if meanstructure else None,
        options={
            "missing": missing,
            "meanstructure": meanstructure,
            "fixed_x": fixed_x,
            "std_lv": std_lv,
            "information": information,
            "estimator": estimator,
            "group": group,
            "group_equal": list(group_equal),
            "group_labels": [g.label for g in groups] if group is not None else [],
            "bootstrap": bootstrap,
            "bootstrap_successful": boot_ok,
            "seed": seed,
        },
    )


def _fit_ordinal(
    model: str,
    frame: pd.DataFrame,
    ordered: Sequence[str] | Literal[True],
    *,
    std_lv: bool,
    group: str | None,
    group_equal: Sequence[str] = (),
    missing: str,
    bootstrap: int = 0,
    seed: int | None = None,
    level: float = 0.95,
) -> SemFit:
    """WLSMV with ordered indicators, in one group or several (see :mod:`.wls`)."""

    base = build_partable(model, meanstructure=True, fixed_x=True, std_lv=std_lv)
    if ordered is True:
        ordered = list(base.ov)
    absent = [v for v in [*base.ov, *ordered] if v not in frame.columns]
    if absent:
        raise KeyError(f"variables not in the data: {', '.join(absent)}")
    continuous = [v for v in base.ov if v not in ordered]
    if continuous or base.ov_x:
        raise ValueError(
            "WLSMV here needs every observed variable ordered (continuous or exogenous: "
            f"{', '.join(continuous or base.ov_x)})"
        )
    if missing != "listwise":
        raise ValueError("WLSMV uses complete cases (missing='listwise')")
    if group_equal and group is None:
        raise ValueError("group_equal needs a group variable (group=...)")
    ov = list(base.ov)
    p = len(ov)
    x_all = frame[ov].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if group is None:
        labels, codes = [""], np.zeros(len(frame), dtype=int)
    else:
        if group not in frame.columns:
            raise KeyError(f"group variable not in the data: {group}")
        codes, uniques = pd.factorize(frame[group], sort=False)  # NaN -> -1
        labels = [str(u) for u in uniques]
        if len(labels) < 2:
            raise ValueError(f"the group variable {group!r} has only one value")
    complete = ~np.isnan(x_all).any(axis=1)
    arrays = []
    for g, label in enumerate(labels):
        x = x_all[complete & (codes == g)]
        if x.shape[0] < p + 1:
            where = f"group {label!r} of {group!r} has" if group is not None else "there are"
            raise ValueError(
                f"{where} {x.shape[0]} complete cases; WLSMV needs at least {p + 1} "
                f"(one more than the {p} observed variables)"
            )
        arrays.append(x)
    used = complete & (codes >= 0)
    levels = ordinal_levels(frame[used], ov, codes[used] if group is not None else None, labels)
    table, th_rows, scale_rows = prepare_ordinal_table(base, ov, [len(v) - 1 for v in levels])
    whole = _rows_table(table, table.rows + th_rows + scale_rows)
    tables = split_groups(whole, len(labels), group_equal) if group is not None else [whole]
    n_free = tables[0].n_free
    fits = []
    for x, t in zip(arrays, tables, strict=True):
        st = ordinal_stats(x, levels)
        ram_table = _rows_table(t, [r for r in t.rows if r.op not in ("|", "~*~")])
        fits.append(
            OrdinalGroup(
                RamModel(ram_table, st.cor, np.zeros(p)),
                [r for r in t.rows if r.op == "|"],
                [r for r in t.rows if r.op == "~*~"],
                st,
            )
        )
    n_stats = sum(len(f.s) for f in fits)
    df = n_stats - n_free
    if df < 0:
        raise ValueError(
            f"the model is not identified: {n_free} free parameters but only "
            f"{n_stats} sample statistics (df = {df})"
        )
    start = np.full(n_free, np.nan)
    for f in fits:
        guess = _start_values(f.ram.pt, f.ram, f.stats.cor, np.zeros(p))
        take = np.isnan(start) & ~np.isnan(guess)
        start[take] = guess[take]
        start[f.th_index] = np.nan  # thresholds start at their sample values
        start[f.scale_index[f.scale_index >= 0]] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        try:
            res = wlsmv_fit(fits, n_free, start)
        except (linalg.LinAlgError, np.linalg.LinAlgError) as exc:
            raise ValueError(
                "the model is not identified: the weighted information matrix is singular"
            ) from exc
    theta = res.theta
    vcov = res.vcov
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    n = sum(f.stats.n for f in fits)
    n_groups = len(fits)
    test = dict(res.test)
    chisq, chisq_b, df_b = test["chisq"], res.chisq_b, res.df_b
    fit = {
        "npar": float(n_free),
        "chisq": chisq,
        "df": float(df),
        "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
    }
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_b - df_b, 0.0)
    fit["cfi"] = 1.0 if t2 == 0 else 1.0 - t1 / t2
    fit["tli"] = (
        (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1.0) if df > 0 and df_b > 0 else 1.0
    )
    # as lavaan: N - G in the denominator, times sqrt(G) with several groups
    fit["rmsea"] = (
        math.sqrt(max(chisq - df, 0.0) / ((n - n_groups) * df) * n_groups) if df > 0 else 0.0
    )
    fit["srmr"] = sum(
        f.stats.n
        / n
        * math.sqrt(float(r[len(f.th_index) :] @ r[len(f.th_index) :]) / (p * (p + 1) / 2))
        for f, r in zip(fits, res.resid, strict=True)
    )
    for key in ("logl", "aic", "bic"):
        fit[key] = math.nan  # no likelihood with least squares
    if "chisq.scaled" in test:
        fit.update(
            {
                key: test[key]
                for key in (
                    "chisq.scaled",
                    "df.scaled",
                    "pvalue.scaled",
                    "chisq.scaling.factor",
                    "chisq.shift.parameters",
                )
            }
        )
    fit.update({"baseline.chisq": chisq_b, "baseline.df": df_b, "ntotal": float(n)})

    records: list[_Record] = []
    all_rows: list[ParRow] = []
    record_tables = []
    for f, label in zip(fits, labels, strict=True):
        ram = f.ram
        scale = f.scales(theta)
        residual = 1.0 / scale**2 - explained_variance(ram, theta)
        for i in range(p):
            ram.s0[i, i] = residual[i]
        for row in ram.pt.rows:
            if row.op == "~~" and row.lhs == row.rhs and row.lhs in ov and not row.free:
                row.value = float(residual[ov.index(row.lhs)])
        # no exogenous covariates (refused above): the moments are never read
        group_records = _records(ram.pt, np.zeros(p), f.stats.cor, theta, se_free)
        _add_standardized(group_records, ram, theta)
        extra_table = _rows_table(ram.pt, f.th_rows + f.scale_rows)
        extra = _records(extra_table, np.zeros(p), f.stats.cor, theta, se_free)
        for rec, row in zip(extra, f.th_rows + f.scale_rows, strict=True):
            # thresholds in the metric of a unit-variance response, as lavaan's std.all
            rec["std_all"] = rec["est"] * scale[ov.index(row.lhs)] if row.op == "|" else 1.0
        first_var = next(i for i, r in enumerate(group_records) if r["op"] == "~~")
        n_th = len(f.th_rows)
        group_records = (
            group_records[:first_var] + extra[:n_th] + group_records[first_var:] + extra[n_th:]
        )
        rows = ram.pt.rows[:first_var] + f.th_rows + ram.pt.rows[first_var:] + f.scale_rows
        if group is not None:
            for rec in group_records:
                rec["group"] = label
        records.extend(group_records)
        all_rows.extend(rows)
        record_tables.append(_rows_table(ram.pt, rows))
    if base.definitions:
        records.extend(_defined_records(base, record_tables, list(records), theta, vcov, group))
    estimates = pd.DataFrame.from_records(records)
    boot_ok = None
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(bootstrap):
            samples = [x[rng.integers(0, x.shape[0], x.shape[0])] for x in arrays]
            if any(len(np.unique(xb[:, i])) != len(levels[i]) for xb in samples for i in range(p)):
                continue  # a category vanished from this resample
            try:
                resampled = [
                    OrdinalGroup(f.ram, f.th_rows, f.scale_rows, ordinal_stats(xb, levels))
                    for f, xb in zip(fits, samples, strict=True)
                ]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    rb = wlsmv_fit(resampled, n_free, theta)
            except (ValueError, np.linalg.LinAlgError, linalg.LinAlgError):
                continue
            if rb.converged:
                draws.append(rb.theta)
        if not draws:
            raise ValueError("no bootstrap sample converged")
        boot_ok = _assign_intervals(estimates, np.array(draws), all_rows, base, level)
    implied = {
        label: pd.DataFrame(_implied_correlations(f, theta), index=ov, columns=ov)
        for f, label in zip(fits, labels, strict=True)
    }
    return SemFit(
        estimates=estimates,
        fit=fit,
        n_obs=n,
        converged=res.converged,
        iterations=res.iterations,
        max_gradient=math.nan,
        vcov=vcov,
        implied_cov=implied[""] if group is None else implied,
        implied_mean=None,
        options={
            "missing": "listwise",
            "meanstructure": True,
            "fixed_x": True,
            "std_lv": std_lv,
            "information": "expected",
            "estimator": "WLSMV",
            "ordered": list(ordered),
            "parameterization": "delta",
            "test": "scaled.shifted",
            "group": group,
            "group_equal": list(group_equal),
            "group_labels": labels if group is not None else [],
            "bootstrap": bootstrap,
            "bootstrap_successful": boot_ok,
            "seed": seed,
        },
    )


def _implied_correlations(group: OrdinalGroup, theta: np.ndarray) -> np.ndarray:
    """The model's correlations of the latent responses (unit diagonal)."""
    sigma = group.ram.implied(theta)[0]
    scale = group.scales(theta)
    cor = sigma * np.outer(scale, scale)
    np.fill_diagonal(cor, 1.0)
    return cor


def _rows_table(table: ParTable, rows: Iterable[ParRow]) -> ParTable:
    return ParTable(list(rows), table.ov, table.lv, table.ov_x, True, table.n_free, table.labels)


def _bootstrap_intervals(
    estimates: pd.DataFrame,
    groups: list[_GroupData],
    tables: list[ParTable],
    base: ParTable,
    theta: NDArray[np.float64],
    complete: bool,
    meanstructure: bool,
    n_boot: int,
    seed: int | None,
    level: float,
) -> int:
    """Refit on ``n_boot`` resamples; add percentile intervals and boot.se to ``estimates``."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        parts = []
        for g in groups:
            idx = rng.integers(0, g.x.shape[0], g.x.shape[0])
            parts.append(_prepare_group(g.label, g.pt, g.x[idx], meanstructure))
        obj = parts[0].obj if len(parts) == 1 else _MultiObjective(parts)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                th, _f, _g, _it, ok, _h = _optimise(obj, theta.copy(), hessian_polish=not complete)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            continue
        if ok:
            draws.append(th)
    if not draws:
        raise ValueError("no bootstrap sample converged")
    all_rows = [row for t in tables for row in t.rows]
    return _assign_intervals(estimates, np.array(draws), all_rows, base, level)


def _assign_intervals(
    estimates: pd.DataFrame,
    thetas: NDArray[np.float64],
    all_rows: list[ParRow],
    base: ParTable,
    level: float,
) -> int:
    """Percentile intervals and boot.se from bootstrap draws (rows in ``estimates`` order)."""
    theta = thetas[0]
    alpha = (1 - level) / 2
    lo_free, hi_free = np.quantile(thetas, [alpha, 1 - alpha], axis=0)
    sd_free = thetas.std(axis=0, ddof=1) if len(thetas) > 1 else np.full(len(theta), np.nan)
    lower = estimates["est"].to_numpy(dtype=float).copy()
    upper = lower.copy()
    bse = np.zeros(len(lower))
    for i, row in enumerate(all_rows):
        if row.free:
            lower[i], upper[i], bse[i] = lo_free[row.index], hi_free[row.index], sd_free[row.index]
    if base.definitions:
        labels: dict[str, int] = {}
        constants: dict[str, float] = {}
        for i, row in enumerate(all_rows):
            if row.label and row.free:
                labels.setdefault(row.label, row.index)
            elif row.label:
                constants.setdefault(row.label, float(estimates["est"].iloc[i]))
        values = defined_values(base.definitions, thetas, labels, constants)
        start = len(all_rows)
        lower[start:] = np.nanquantile(values, alpha, axis=0)
        upper[start:] = np.nanquantile(values, 1 - alpha, axis=0)
        bse[start:] = np.nanstd(values, axis=0, ddof=1)
    estimates["ci.lower"] = lower
    estimates["ci.upper"] = upper
    estimates["boot.se"] = bse
    return len(thetas)


def _not_identified_message(info: np.ndarray, labels: list[str]) -> str:
    """Name the parameters in the null direction of a singular information matrix."""
    eigval, eigvec = np.linalg.eigh(info)
    vec = np.abs(eigvec[:, 0])
    involved = [labels[i] for i in np.argsort(-vec) if vec[i] > 0.1 * vec.max()][:4]
    return (
        "the model is not identified: the information matrix is singular; the parameters "
        f"involved are {', '.join(involved)} (fix one of them, e.g. a loading to 1 or a "
        "variance, or add a constraint)"
    )


def _records(
    pt: ParTable,
    h1_mean: NDArray[np.float64],
    h1_cov: NDArray[np.float64],
    theta: NDArray[np.float64],
    se_free: NDArray[np.float64],
) -> list[_Record]:
    """One record per row of ``pt``; exogenous rows take the saturated moments."""
    ov_pos = {n: i for i, n in enumerate(pt.ov)}
    records: list[_Record] = []
    for row in pt.rows:
        if row.free:
            est = float(theta[row.index])
            se = float(se_free[row.index])
            z = est / se if se > 0 else math.nan
            pv = float(2 * special.ndtr(-abs(z))) if math.isfinite(z) else math.nan
        else:
            if row.exo:
                if row.op == "~~":
                    est = float(h1_cov[ov_pos[row.lhs], ov_pos[row.rhs]])
                else:
                    est = float(h1_mean[ov_pos[row.lhs]])
            else:
                est = 0.0 if row.value is None else float(row.value)
            se, z, pv = 0.0, math.nan, math.nan
        records.append(
            {
                "lhs": row.lhs,
                "op": row.op,
                "rhs": row.rhs,
                "label": row.label,
                "free": row.free,
                "est": est,
                "se": se,
                "z": z,
                "pvalue": pv,
            }
        )
    return records


def _defined_records(
    base: ParTable,
    tables: list[ParTable],
    records: list[_Record],
    theta: NDArray[np.float64],
    vcov: NDArray[np.float64],
    group: str | None,
) -> list[_Record]:
    labels: dict[str, int] = {}
    constants: dict[str, float] = {}
    all_rows = [row for t in tables for row in t.rows]
    for row, record in zip(all_rows, records, strict=True):
        if row.label and row.free:
            labels.setdefault(row.label, row.index)
        elif row.label:
            constants.setdefault(row.label, record["est"])
    values = defined_estimates(base.definitions, theta, vcov, labels, constants)
    out: list[_Record] = []
    for (name, expr), (est, se) in zip(base.definitions, values, strict=True):
        z = est / se if se > 0 else math.nan
        rec: _Record = {
            "lhs": name,
            "op": ":=",
            "rhs": expr,
            "label": name,
            "free": False,
            "est": est,
            "se": se,
            "z": z,
            "pvalue": float(2 * special.ndtr(-abs(z))) if math.isfinite(z) else math.nan,
            "std_all": math.nan,
        }
        if group is not None:
            rec["group"] = ""
        out.append(rec)
    return out
