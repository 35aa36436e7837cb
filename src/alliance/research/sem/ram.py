"""RAM (reticular action model) form of a parameter table: implied moments and derivatives.

With all variables in one vector (observed first, then latent), paths in A, (residual)
variances and covariances in S and intercepts in m:

    B = (I - A)^-1,   Sigma = F B S B' F',   mu = F B m,

and, with G = F B and H = B S G', the derivatives per free entry are
dSigma/dA_ij = G_.i H_j. + (G_.i H_j.)',  dmu/dA_ij = G_.i (B m)_j,
dSigma/dS_ij = G_.i G_.j' + G_.j G_.i' (i != j) or G_.i G_.i',  dmu/dm_i = G_.i.

Reference: McArdle, J. J. & McDonald, R. P. (1984). Some algebraic properties of the
reticular action model. British Journal of Mathematical and Statistical Psychology, 37.
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
from numpy.typing import NDArray
from scipy import linalg

from .partable import ParTable

__all__ = ["Implied", "ImpliedDeriv", "RamModel"]

#: implied (Sigma, mu) without derivatives (their places hold None)
Implied = tuple[NDArray[np.float64], NDArray[np.float64], None, None]
#: implied (Sigma, mu, dSigma/dtheta (q, p, p), dmu/dtheta (q, p))
ImpliedDeriv = tuple[
    NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
]


class RamModel:
    """RAM matrices for a parameter table, with implied moments and their derivatives."""

    def __init__(
        self, pt: ParTable, exo_cov: NDArray[np.float64], exo_mean: NDArray[np.float64]
    ) -> None:
        self.pt = pt
        self.names = pt.ov + pt.lv
        self.p = len(pt.ov)
        self.m = len(self.names)
        self.q = pt.n_free
        pos = {n: i for i, n in enumerate(self.names)}
        ov_pos = {n: i for i, n in enumerate(pt.ov)}
        self.a0 = np.zeros((self.m, self.m))
        self.s0 = np.zeros((self.m, self.m))
        self.m0 = np.zeros(self.m)
        kinds: list[int] = []
        ii: list[int] = []
        jj: list[int] = []
        kk: list[int] = []
        for row in pt.rows:
            if row.op == "=~":
                kind, i, j = 0, pos[row.rhs], pos[row.lhs]
            elif row.op == "~":
                kind, i, j = 0, pos[row.lhs], pos[row.rhs]
            elif row.op == "~~":
                kind, i, j = 1, pos[row.lhs], pos[row.rhs]
            else:
                kind, i, j = 2, pos[row.lhs], 0
            if row.free:
                kinds.append(kind)
                ii.append(i)
                jj.append(j)
                kk.append(row.index)
                continue
            value = row.value
            if row.exo:
                if row.op == "~~":
                    value = exo_cov[ov_pos[row.lhs], ov_pos[row.rhs]]
                else:
                    value = exo_mean[ov_pos[row.lhs]]
            value = 0.0 if value is None else float(value)
            if kind == 0:
                self.a0[i, j] = value
            elif kind == 1:
                self.s0[i, j] = self.s0[j, i] = value
            else:
                self.m0[i] = value
        self.kind = np.array(kinds, dtype=int)
        self.ii = np.array(ii, dtype=int)
        self.jj = np.array(jj, dtype=int)
        self.kk = np.array(kk, dtype=int)

    def matrices(
        self, theta: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Return the matrices A, S and the vector m at ``theta``."""
        a, s, mv = self.a0.copy(), self.s0.copy(), self.m0.copy()
        vals = theta[self.kk]
        sel = self.kind == 0
        a[self.ii[sel], self.jj[sel]] = vals[sel]
        sel = self.kind == 1
        s[self.ii[sel], self.jj[sel]] = vals[sel]
        s[self.jj[sel], self.ii[sel]] = vals[sel]
        sel = self.kind == 2
        mv[self.ii[sel]] = vals[sel]
        return a, s, mv

    @overload
    def implied(self, theta: NDArray[np.float64], deriv: Literal[False] = False) -> Implied: ...

    @overload
    def implied(self, theta: NDArray[np.float64], deriv: Literal[True]) -> ImpliedDeriv: ...

    @overload
    def implied(self, theta: NDArray[np.float64], deriv: bool) -> Implied | ImpliedDeriv: ...

    def implied(self, theta: NDArray[np.float64], deriv: bool = False) -> Implied | ImpliedDeriv:
        """Return Sigma, mu and, with ``deriv``, their derivatives by the free parameters."""
        a, s, mv = self.matrices(theta)
        b = linalg.inv(np.eye(self.m) - a)
        g = b[: self.p, :]
        sigma = g @ s @ g.T
        sigma = (sigma + sigma.T) / 2
        mu = g @ mv
        if not deriv:
            return sigma, mu, None, None
        p, q = self.p, self.q
        d_sigma = np.zeros((q, p, p))
        d_mu = np.zeros((q, p))
        h = b @ s @ g.T  # m x p
        bm = b @ mv
        sel = self.kind == 0
        if sel.any():
            gi = g[:, self.ii[sel]]  # p x r
            hj = h[self.jj[sel], :]  # r x p
            outer = np.einsum("pr,rq->rpq", gi, hj)
            np.add.at(d_sigma, self.kk[sel], outer + outer.transpose(0, 2, 1))
            np.add.at(d_mu, self.kk[sel], (gi * bm[self.jj[sel]]).T)
        sel = self.kind == 1
        if sel.any():
            gi = g[:, self.ii[sel]]
            gj = g[:, self.jj[sel]]
            outer = np.einsum("pr,qr->rpq", gi, gj)
            diag = (self.ii[sel] == self.jj[sel])[:, None, None]
            sym = np.where(diag, outer, outer + outer.transpose(0, 2, 1))
            np.add.at(d_sigma, self.kk[sel], sym)
        sel = self.kind == 2
        if sel.any():
            np.add.at(d_mu, self.kk[sel], g[:, self.ii[sel]].T)
        return sigma, mu, d_sigma, d_mu
