"""SEM estimates, standard errors and fit measures against lavaan 0.6-14 (R 4.2.2).

Reference files and the R script that produced them are in ``reference/``.
Tolerances: 1e-4 for estimates and standard errors, 1e-3 for fit measures (issue 6).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from alliance.research.sem import fit_sem

from .conftest import REFERENCE, read_reference

FIT_MEASURES = [
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "srmr",
    "aic",
    "bic",
    "npar",
    "logl",
]

CASES = {
    # name: (model file, data file, fit_sem keyword arguments)
    "PoliticalDemocracy_lavaan": ("political_democracy.lav", "PoliticalDemocracy.csv", {}),
    "pd_missing_fiml": ("political_democracy.lav", "pd_missing.csv", {"missing": "ml"}),
    "cfa3": ("cfa3.lav", "cfa_items.csv", {}),
    "cfa1": ("cfa1.lav", "cfa_items.csv", {}),
    "riclpm": ("riclpm.lav", "riclpm.csv", {"meanstructure": True}),
    "riclpm_fiml": ("riclpm.lav", "riclpm_missing.csv", {"missing": "ml"}),
    "invariance_configural": ("invariance_configural.lav", "invariance.csv", {}),
    "invariance_metric": ("invariance_metric.lav", "invariance.csv", {}),
    "invariance_scalar": ("invariance_scalar.lav", "invariance.csv", {}),
    "fixed_x": ("fixed_x.lav", "PoliticalDemocracy.csv", {}),
    "fixed_x_fiml": ("fixed_x.lav", "pd_missing.csv", {"missing": "ml"}),
    "prebuilt_a": ("prebuilt_a.lav", "prebuilt.csv", {}),
    "prebuilt_b": ("prebuilt_b.lav", "prebuilt.csv", {}),
    "mediation": ("mediation.lav", "mediation.csv", {}),
}


def _fit(name: str):
    model_file, data_file, kwargs = CASES[name]
    model = (REFERENCE / model_file).read_text()
    data = pd.read_csv(REFERENCE / data_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fixed_x_fiml drops cases with missing x, as lavaan
        return fit_sem(model, data, **kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_lavaan(name):
    fit = _fit(name)
    assert fit.converged
    ref = read_reference(f"{name}_estimates.csv")
    merged = ref.merge(
        fit.estimates,
        on=["lhs", "op", "rhs"],
        how="outer",
        suffixes=("_lavaan", ""),
        indicator=True,
    )
    # the same parameter table, row for row, named as lavaan names them
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["est"], merged["est_lavaan"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=0, atol=1e-4)
    free = merged[merged["free"]]
    np.testing.assert_allclose(free["z"], free["z_lavaan"], rtol=1e-3, atol=1e-3)
    if "std_all_lavaan" in merged.columns:  # standardizedSolution()'s std.all
        std = merged[merged["op"] != ":="]
        np.testing.assert_allclose(std["std_all"], std["std_all_lavaan"], rtol=0, atol=1e-4)
    fit_ref = read_reference(f"{name}_fit.csv").set_index("measure")["value"]
    for measure in FIT_MEASURES:
        assert fit.fit[measure] == pytest.approx(fit_ref[measure], abs=1e-3, nan_ok=True), measure


def test_political_democracy_headline_figures():
    fit = _fit("PoliticalDemocracy_lavaan")
    est = fit.estimates.set_index(["lhs", "op", "rhs"])
    assert est.loc[("dem60", "~", "ind60"), "est"] == pytest.approx(1.483, abs=5e-4)
    assert est.loc[("dem60", "~", "ind60"), "se"] == pytest.approx(0.399, abs=5e-4)
    assert fit.fit["chisq"] == pytest.approx(38.125, abs=1e-3)
    assert fit.fit["df"] == 35
    assert len(fit.free_parameters()) == 31


def test_fiml_on_complete_data_equals_ml_estimates():
    model = (REFERENCE / "political_democracy.lav").read_text()
    data = pd.read_csv(REFERENCE / "PoliticalDemocracy.csv")
    ml = fit_sem(model, data)
    fiml = fit_sem(model, data, missing="ml")
    a = ml.estimates.set_index(["lhs", "op", "rhs"])["est"]
    b = fiml.estimates.set_index(["lhs", "op", "rhs"])["est"]
    common = a.index.intersection(b.index)
    np.testing.assert_allclose(a[common], b[common], atol=1e-6)
    assert fiml.fit["chisq"] == pytest.approx(ml.fit["chisq"], abs=1e-6)
    # intercepts add p parameters and p moments
    assert fiml.fit["npar"] == ml.fit["npar"] + 11
    assert fiml.fit["df"] == ml.fit["df"]


def test_polars_input_and_bad_data():
    import polars as pl

    model = (REFERENCE / "cfa1.lav").read_text()
    frame = pd.read_csv(REFERENCE / "cfa_items.csv")
    a = fit_sem(model, frame)
    b = fit_sem(model, pl.from_pandas(frame))
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"])
    with pytest.raises(KeyError):
        fit_sem(model, frame.drop(columns=["goal1"]))
    with pytest.raises(ValueError):
        fit_sem(model, frame, missing="pairwise")
