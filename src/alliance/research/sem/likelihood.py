"""Multivariate normal likelihood on missing-data pattern statistics, and the EM h1 model.

Cases are grouped by their pattern of observed variables; a pattern k with n_k cases,
sample mean ybar_k and biased covariance S_k contributes

    n_k/2 [p_k log(2 pi) + log|Sigma_k| + tr(Sigma_k^-1 (S_k + d_k d_k'))],  d_k = ybar_k - mu_k,

to minus the log-likelihood, so evaluation cost depends on the number of patterns, not
cases. Patterns of equal size are stacked and handled with batched linear algebra.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LOG2PI", "Patterns", "em_saturated", "h1_loglik", "loglik_parts"]

LOG2PI = math.log(2.0 * math.pi)


@dataclass
class _Group:
    """Patterns with the same number of observed variables, stacked for batched algebra."""

    n: NDArray[np.float64]  # (K,)
    obs: NDArray[np.intp]  # (K, s) observed column indices
    mis: NDArray[np.intp]  # (K, p - s) missing column indices
    mean: NDArray[np.float64]  # (K, s)
    cov: NDArray[np.float64]  # (K, s, s), biased

    @property
    def oo(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Index arrays that pick each pattern's observed block of a p x p matrix."""
        return self.obs[:, :, None], self.obs[:, None, :]


@dataclass
class Patterns:
    """Sufficient statistics of a data matrix grouped by missing-data pattern."""

    n: NDArray[np.float64]  # cases per pattern
    obs: list[NDArray[np.intp]]  # observed column indices per pattern
    mean: list[NDArray[np.float64]]
    cov: list[NDArray[np.float64]]  # biased (divided by n_k)
    n_total: int
    p: int

    def __post_init__(self) -> None:
        every = np.arange(self.p)
        sizes = np.array([len(o) for o in self.obs])
        self.groups: list[_Group] = []
        for size in np.unique(sizes):
            ks = np.flatnonzero(sizes == size)
            self.groups.append(
                _Group(
                    n=self.n[ks],
                    obs=np.array([self.obs[k] for k in ks], dtype=int).reshape(len(ks), size),
                    mis=np.array([np.setdiff1d(every, self.obs[k]) for k in ks], dtype=int).reshape(
                        len(ks), self.p - size
                    ),
                    mean=np.array([self.mean[k] for k in ks]).reshape(len(ks), size),
                    cov=np.array([self.cov[k] for k in ks]).reshape(len(ks), size, size),
                )
            )

    @classmethod
    def from_array(cls, x: NDArray[np.float64]) -> Patterns:
        x = np.asarray(x, dtype=float)
        mask = ~np.isnan(x)
        keep = mask.any(axis=1)
        if not keep.all():
            x, mask = x[keep], mask[keep]
        if x.shape[0] == 0:
            raise ValueError("no case has any observed value")
        if mask.all():  # complete data: one pattern, no sorting
            mean = x.mean(axis=0)
            dev = x - mean
            cov = dev.T @ dev / x.shape[0]
            return cls(
                np.array([float(x.shape[0])]),
                [np.arange(x.shape[1])],
                [mean],
                [cov],
                int(x.shape[0]),
                x.shape[1],
            )
        if mask.shape[1] <= 62:
            # one integer per missing-data pattern: far faster than np.unique(axis=0)
            codes = mask.astype(np.int64) @ (
                np.int64(1) << np.arange(mask.shape[1], dtype=np.int64)
            )
            _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
            uniq = mask[first]
        else:
            uniq, inverse = np.unique(mask, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
        ns, obs, means, covs = [], [], [], []
        for k, pat in enumerate(uniq):
            rows = x[order[bounds[k] : bounds[k + 1]]][:, pat]
            o = np.flatnonzero(pat)
            mean = rows.mean(axis=0)
            dev = rows - mean
            ns.append(rows.shape[0])
            obs.append(o)
            means.append(mean)
            covs.append(dev.T @ dev / rows.shape[0])
        return cls(np.array(ns, dtype=float), obs, means, covs, int(x.shape[0]), x.shape[1])

    @property
    def complete(self) -> bool:
        return len(self.obs) == 1 and len(self.obs[0]) == self.p


def _outer(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    return a[:, :, None] * b[:, None, :]


def loglik_parts(
    pat: Patterns, sigma: NDArray[np.float64], mu: NDArray[np.float64] | None
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]] | None:
    """Return -logl/N, W (dF/dSigma), w (dF/dmu); ``None`` when Sigma is not PD."""
    f = 0.0
    w_s = np.zeros_like(sigma)
    w_m = np.zeros(sigma.shape[0])
    for g in pat.groups:
        ix = g.oo
        sk = sigma[ix]
        try:
            chol = np.linalg.cholesky(sk)
        except np.linalg.LinAlgError:
            return None
        if not np.isfinite(chol).all():
            return None
        logdet = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        inv = np.linalg.inv(sk)
        if mu is None:
            cm = g.cov
            d = None
        else:
            d = g.mean - mu[g.obs]
            cm = g.cov + _outer(d, d)
        inv_c = inv @ cm
        trace = np.trace(inv_c, axis1=1, axis2=2)
        size = g.obs.shape[1]
        f += 0.5 * float(g.n @ (size * LOG2PI + logdet + trace))
        np.add.at(w_s, ix, 0.5 * g.n[:, None, None] * (inv - inv_c @ inv))
        if d is not None:
            np.add.at(w_m, g.obs, -g.n[:, None] * np.einsum("kij,kj->ki", inv, d))
    n_total = pat.n_total
    return f / n_total, w_s / n_total, w_m / n_total


def em_saturated(
    pat: Patterns, *, tol: float = 1e-11, max_iter: int = 20000
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """EM estimates of the unrestricted mean and covariance under missing data.

    Works on the pattern sufficient statistics (Little & Rubin 2002, ch. 11), so one
    iteration costs the same for 100 or 10^6 cases. Returns (mean, cov, loglik).
    """
    p = pat.p
    n_total = pat.n_total
    if pat.complete:
        return pat.mean[0].copy(), pat.cov[0].copy(), h1_loglik(pat, pat.mean[0], pat.cov[0])
    # start: available-case means and variances
    sums = np.zeros(p)
    counts = np.zeros(p)
    sq = np.zeros(p)
    for n, o, ybar, s in zip(pat.n, pat.obs, pat.mean, pat.cov, strict=True):
        sums[o] += n * ybar
        counts[o] += n
        sq[o] += n * (np.diag(s) + ybar**2)
    if np.any(counts == 0):
        raise ValueError("a variable has no observed value")
    mu = sums / counts
    sigma = np.diag(np.maximum(sq / counts - mu**2, 1e-8))
    # the observed-data parts of the sufficient statistics do not change
    t1_obs = np.zeros(p)
    t2_obs = np.zeros((p, p))
    for g in pat.groups:
        sy = g.n[:, None] * g.mean
        np.add.at(t1_obs, g.obs, sy)
        np.add.at(t2_obs, g.oo, g.n[:, None, None] * (g.cov + _outer(g.mean, g.mean)))
    for _ in range(max_iter):
        t1 = t1_obs.copy()
        t2 = t2_obs.copy()
        for g in pat.groups:
            if g.mis.shape[1] == 0:
                continue
            o, m = g.obs, g.mis
            nn = g.n[:, None, None]
            sy = g.n[:, None] * g.mean  # (K, s) sums of observed values
            syy = nn * (g.cov + _outer(g.mean, g.mean))
            smo = sigma[m[:, :, None], o[:, None, :]]  # (K, pm, s)
            b = np.linalg.solve(sigma[g.oo], smo.transpose(0, 2, 1)).transpose(0, 2, 1)
            a = mu[m] - np.einsum("kij,kj->ki", b, mu[o])
            cond = sigma[m[:, :, None], m[:, None, :]] - b @ smo.transpose(0, 2, 1)
            bsy = np.einsum("kij,kj->ki", b, sy)
            np.add.at(t1, m, g.n[:, None] * a + bsy)
            mo = _outer(a, sy) + b @ syy
            np.add.at(t2, (m[:, :, None], o[:, None, :]), mo)
            np.add.at(t2, (o[:, :, None], m[:, None, :]), mo.transpose(0, 2, 1))
            mm = nn * (cond + _outer(a, a)) + _outer(a, bsy) + _outer(bsy, a)
            mm = mm + b @ syy @ b.transpose(0, 2, 1)
            np.add.at(t2, (m[:, :, None], m[:, None, :]), mm)
        new_mu = t1 / n_total
        new_sigma = t2 / n_total - np.outer(new_mu, new_mu)
        delta = max(np.abs(new_mu - mu).max(), np.abs(new_sigma - sigma).max())
        mu, sigma = new_mu, (new_sigma + new_sigma.T) / 2
        if delta < tol:
            break
    return mu, sigma, h1_loglik(pat, mu, sigma)


def h1_loglik(pat: Patterns, mu: NDArray[np.float64], sigma: NDArray[np.float64]) -> float:
    """Return the log-likelihood of the data at the moments ``mu`` and ``sigma``."""
    parts = loglik_parts(pat, sigma, mu)
    if parts is None:
        raise ValueError("saturated covariance matrix is not positive definite")
    return -parts[0] * pat.n_total
