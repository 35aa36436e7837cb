"""Prebuilt models: syntax equals the lavaan reference models; RI-CLPM recovers truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alliance.research.prebuilt import (
    alliance_flourishing_syntax,
    alliance_wellbeing_syntax,
    fit_riclpm,
    riclpm_paths,
    riclpm_syntax,
)

from .conftest import REFERENCE, read_reference

X = [f"x{t}" for t in range(1, 6)]
Y = [f"y{t}" for t in range(1, 6)]
GOAL = [f"goal{i}" for i in range(1, 5)]
TASK = [f"task{i}" for i in range(1, 5)]
BOND = [f"bond{i}" for i in range(1, 5)]
DIMS = ["autonomy", "mastery", "growth", "relations", "purpose", "acceptance"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_builders_write_the_reference_models():
    assert _lines(riclpm_syntax(X, Y)) == _lines((REFERENCE / "riclpm.lav").read_text())
    flourishing = [f"fs{i}" for i in range(1, 9)]
    assert _lines(alliance_flourishing_syntax(GOAL, TASK, BOND, flourishing)) == _lines(
        (REFERENCE / "prebuilt_a.lav").read_text()
    )
    dims = {d: [f"{d}{j}" for j in (1, 2, 3)] for d in DIMS}
    assert _lines(alliance_wellbeing_syntax(GOAL, TASK, BOND, dims)) == _lines(
        (REFERENCE / "prebuilt_b.lav").read_text()
    )
    with pytest.raises(ValueError):
        riclpm_syntax(X[:2], Y[:2])


def test_riclpm_fiml_paths_match_lavaan():
    data = pd.read_csv(REFERENCE / "riclpm_missing.csv")
    fit = fit_riclpm(data, X, Y)
    paths = riclpm_paths(fit)
    assert len(paths) == 16
    ref = read_reference("riclpm_fiml_estimates.csv").set_index(["lhs", "op", "rhs"])
    est = fit.estimates.set_index(["lhs", "op", "rhs"])
    reg = [k for k in ref.index if k[1] == "~"]
    np.testing.assert_allclose(est.loc[reg, "est"], ref.loc[reg, "est"], atol=1e-4)
    np.testing.assert_allclose(est.loc[reg, "se"], ref.loc[reg, "se"], atol=1e-4)


def simulate_riclpm(n: int, pop: dict, rng: np.random.Generator, waves: int = 5) -> pd.DataFrame:
    """Simulate the RI-CLPM the way reference/make_reference.R does."""
    ri = rng.multivariate_normal(
        [0, 0], [[pop["var_rix"], pop["cov_ri"]], [pop["cov_ri"], pop["var_riy"]]], size=n
    )
    w = np.empty((n, waves, 2))
    w[:, 0] = rng.multivariate_normal(
        [0, 0], [[pop["var_w1x"], pop["cov_w1"]], [pop["cov_w1"], pop["var_w1y"]]], size=n
    )
    u_cov = [[pop["var_ux"], pop["cov_u"]], [pop["cov_u"], pop["var_uy"]]]
    for t in range(1, waves):
        u = rng.multivariate_normal([0, 0], u_cov, size=n)
        w[:, t, 0] = pop["a_xx"] * w[:, t - 1, 0] + pop["b_yx"] * w[:, t - 1, 1] + u[:, 0]
        w[:, t, 1] = pop["a_yy"] * w[:, t - 1, 1] + pop["b_xy"] * w[:, t - 1, 0] + u[:, 1]
    out = {}
    for t in range(waves):
        out[f"x{t + 1}"] = 4.0 + 0.1 * t + ri[:, 0] + w[:, t, 0]
        out[f"y{t + 1}"] = 15.0 - t + ri[:, 1] + w[:, t, 1]
    return pd.DataFrame(out)


def test_riclpm_recovers_population_values():
    """Every structural parameter within 4 standard errors of its population value.

    N = 20,000 persons gives standard errors of about .01-.02; a 4-SE band has a
    per-parameter false-alarm rate of 6e-5 (about 0.2% over the 35 checks), and the
    seed is fixed, so the test is deterministic. The fit works on pattern sufficient
    statistics, so the large N costs nothing.
    """
    pop = read_reference("riclpm_population.csv").set_index("parameter")["value"].to_dict()
    data = simulate_riclpm(20_000, pop, np.random.default_rng(20240603))
    # 25% of later waves missing completely at random: FIML must still recover them
    rng = np.random.default_rng(7)
    for t in range(2, 6):
        gone = rng.random(len(data)) < 0.25
        data.loc[gone, [f"x{t}", f"y{t}"]] = np.nan
    fit = fit_riclpm(data, X, Y)
    est = fit.estimates.set_index(["lhs", "op", "rhs"])
    truth = {
        ("RIx", "~~", "RIx"): pop["var_rix"],
        ("RIy", "~~", "RIy"): pop["var_riy"],
        ("RIx", "~~", "RIy"): pop["cov_ri"],
        ("wx1", "~~", "wx1"): pop["var_w1x"],
        ("wy1", "~~", "wy1"): pop["var_w1y"],
        ("wx1", "~~", "wy1"): pop["cov_w1"],
    }
    for t in range(2, 6):
        truth[(f"wx{t}", "~", f"wx{t - 1}")] = pop["a_xx"]
        truth[(f"wy{t}", "~", f"wy{t - 1}")] = pop["a_yy"]
        truth[(f"wy{t}", "~", f"wx{t - 1}")] = pop["b_xy"]
        truth[(f"wx{t}", "~", f"wy{t - 1}")] = pop["b_yx"]
        truth[(f"wx{t}", "~~", f"wx{t}")] = pop["var_ux"]
        truth[(f"wy{t}", "~~", f"wy{t}")] = pop["var_uy"]
        truth[(f"wx{t}", "~~", f"wy{t}")] = pop["cov_u"]
    for key, value in truth.items():
        row = est.loc[key]
        assert abs(row["est"] - value) < 4 * row["se"], (key, row["est"], value, row["se"])
    # wave means are the intercepts
    assert est.loc[("y5", "~1", ""), "est"] == pytest.approx(11.0, abs=0.05)
