"""The research CLI, in-process: ``fit`` prints lavaan-matching numbers as JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from alliance.commands.research import app
from alliance.research.sem.payload import FIT_MEASURES

from .conftest import REFERENCE, read_reference

runner = CliRunner()


def test_fit_json_political_democracy():
    result = runner.invoke(
        app,
        [
            "fit",
            str(REFERENCE / "political_democracy.lav"),
            str(REFERENCE / "PoliticalDemocracy.csv"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert list(payload["fit"]) == list(FIT_MEASURES)
    ref = read_reference("PoliticalDemocracy_lavaan_estimates.csv")
    ref = ref[ref["se"] > 0].set_index(["lhs", "op", "rhs"])
    assert len(payload["parameters"]) == len(ref) == 31
    for p in payload["parameters"]:
        assert set(p) == {"lhs", "op", "rhs", "est", "se", "z", "pvalue"}
        row = ref.loc[(p["lhs"], p["op"], p["rhs"])]
        assert p["est"] == pytest.approx(row["est"], abs=1e-4)
        assert p["se"] == pytest.approx(row["se"], abs=1e-4)
    fit_ref = read_reference("PoliticalDemocracy_lavaan_fit.csv").set_index("measure")["value"]
    for k in FIT_MEASURES:
        assert payload["fit"][k] == pytest.approx(fit_ref[k], abs=1e-3)


def test_fit_missing_ml_json():
    result = runner.invoke(
        app,
        [
            "fit",
            str(REFERENCE / "riclpm.lav"),
            str(REFERENCE / "riclpm_missing.csv"),
            "--json",
            "--missing",
            "ml",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    fit_ref = read_reference("riclpm_fiml_fit.csv").set_index("measure")["value"]
    for k in FIT_MEASURES:
        assert payload["fit"][k] == pytest.approx(fit_ref[k], abs=1e-3)
    # intercepts are free parameters under FIML, named "x1 ~1"
    assert any(p["op"] == "~1" and p["rhs"] == "" for p in payload["parameters"])
    assert payload["npar"] == len(payload["parameters"])


def test_fit_table_output_and_errors(tmp_path):
    ok = runner.invoke(
        app,
        ["fit", str(REFERENCE / "cfa1.lav"), str(REFERENCE / "cfa_items.csv")],
    )
    assert ok.exit_code == 0
    assert "rmsea" in ok.output and "alliance" in ok.output
    bad_model = tmp_path / "bad.lav"
    bad_model.write_text("f =~ \n")
    bad = runner.invoke(app, ["fit", str(bad_model), str(REFERENCE / "cfa_items.csv")])
    assert bad.exit_code == 1
    absent = runner.invoke(
        app, ["fit", str(tmp_path / "none.lav"), str(REFERENCE / "cfa_items.csv")]
    )
    assert absent.exit_code == 2
    wrong = runner.invoke(
        app,
        ["fit", str(REFERENCE / "cfa1.lav"), str(REFERENCE / "cfa_items.csv"), "--missing", "x"],
    )
    assert wrong.exit_code == 2


def test_every_command_is_documented():
    import alliance.commands.research as module

    names = [c.callback.__name__ for c in app.registered_commands]
    assert sorted(names) == ["dataset", "fit", "report"]
    for command in app.registered_commands:
        assert command.callback.__doc__
        assert f"``{command.callback.__name__} " in module.__doc__


def test_research_package_never_imports_django():
    import subprocess
    import sys

    code = (
        "import sys, alliance.research, alliance.commands.research, alliance.research.report;"
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_fit_json_defined_parameters():
    result = runner.invoke(
        app, ["fit", str(REFERENCE / "mediation.lav"), str(REFERENCE / "mediation.csv"), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    ref = read_reference("mediation_estimates.csv")
    ref = ref[ref["op"] == ":="].set_index("lhs")
    assert [d["lhs"] for d in payload["defined"]] == ["ab", "total", "proportion"]
    for d in payload["defined"]:
        assert d["rhs"] == ref.loc[d["lhs"], "rhs"]
        assert d["est"] == pytest.approx(ref.loc[d["lhs"], "est"], abs=1e-4)
        assert d["se"] == pytest.approx(ref.loc[d["lhs"], "se"], abs=1e-4)


def test_fit_json_mlr_groups_and_bootstrap():
    """Issue 18's options on the command line: MLR, --group/--group-equal, --bootstrap."""
    hs = [str(REFERENCE / "hs.lav"), str(REFERENCE / "hs.csv"), "--json"]
    mlr = runner.invoke(app, ["fit", *hs, "--estimator", "MLR"])
    assert mlr.exit_code == 0, mlr.output
    fit = json.loads(mlr.output)["fit"]
    ref = read_reference("hs_mlr_fit.csv").set_index("measure")["value"]
    for key in ("chisq", "chisq.scaled", "chisq.scaling.factor", "cfi.scaled"):
        assert fit[key] == pytest.approx(ref[key], abs=1e-3), key
    grouped = runner.invoke(
        app, ["fit", *hs, "--group", "school", "--group-equal", "loadings,intercepts"]
    )
    assert grouped.exit_code == 0, grouped.output
    payload = json.loads(grouped.output)
    ref = read_reference("hs_group_intercepts_estimates.csv")
    row = ref[(ref.lhs == "visual") & (ref.op == "~1") & (ref.group == "Grant-White")].iloc[0]
    [mine] = [
        p
        for p in payload["parameters"]
        if (p["lhs"], p["op"], p["group"]) == ("visual", "~1", "Grant-White")
    ]
    assert mine["est"] == pytest.approx(row.est, abs=1e-4)
    assert payload["options"]["group_labels"] == ["Pasteur", "Grant-White"]
    med = [str(REFERENCE / "mediation.lav"), str(REFERENCE / "mediation.csv"), "--json"]
    boot = runner.invoke(app, ["fit", *med, "--bootstrap", "50", "--seed", "3"])
    assert boot.exit_code == 0, boot.output
    ab = json.loads(boot.output)["defined"][0]
    assert ab["ci.lower"] < ab["est"] < ab["ci.upper"]
    table = runner.invoke(app, ["fit", *med[:2], "--bootstrap", "20", "--seed", "3"])
    assert table.exit_code == 0 and "ci.lower" in table.output
    bad = runner.invoke(app, ["fit", *hs, "--estimator", "GLS"])
    assert bad.exit_code == 2
    unknown = runner.invoke(app, ["fit", *hs, "--group", "school", "--group-equal", "loading"])
    assert unknown.exit_code == 1 and "unknown group_equal" in unknown.output


def test_fit_json_ordered_wlsmv():
    items = ",".join(f"x{i}" for i in range(1, 10))
    args = [str(REFERENCE / "hs.lav"), str(REFERENCE / "hs_ordinal.csv"), "--json"]
    result = runner.invoke(app, ["fit", *args, "--ordered", items])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    ref = read_reference("hs_wlsmv_fit.csv").set_index("measure")["value"]
    assert payload["fit"]["chisq.scaled"] == pytest.approx(ref["chisq.scaled"], abs=1e-3)
    [t2] = [p for p in payload["parameters"] if (p["lhs"], p["op"], p["rhs"]) == ("x1", "|", "t2")]
    est = read_reference("hs_wlsmv_estimates.csv")
    assert t2["est"] == pytest.approx(est[(est.lhs == "x1") & (est.rhs == "t2")].est.iloc[0])
    assert payload["options"]["estimator"] == "WLSMV"


def test_fit_json_ordered_wlsmv_with_groups_and_equal_thresholds():
    args = [str(REFERENCE / "hs.lav"), str(REFERENCE / "hs_ordinal.csv"), "--json"]
    equal = ["--group", "school", "--group-equal", "loadings,thresholds"]
    result = runner.invoke(app, ["fit", *args, "--ordered", "x1,x2,x3,x4,x5,x6,x7,x8,x9", *equal])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    ref = read_reference("hs_group_wlsmv_loadings_thresholds_fit.csv").set_index("measure")
    assert payload["fit"]["chisq"] == pytest.approx(ref.loc["chisq", "value"], abs=1e-3)
    est = read_reference("hs_group_wlsmv_loadings_thresholds_estimates.csv")
    [scale] = [
        p
        for p in payload["parameters"]
        if (p["lhs"], p["op"], p["group"]) == ("x4", "~*~", "Grant-White")
    ]
    row = est[(est.lhs == "x4") & (est.op == "~*~") & (est.group == "Grant-White")]
    assert scale["est"] == pytest.approx(row.est.iloc[0], abs=1e-4)
    assert payload["options"]["group_equal"] == ["loadings", "thresholds"]
