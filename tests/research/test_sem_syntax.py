"""lavaan syntax parsing and lavaan's sem() defaults for the parameter table."""

from __future__ import annotations

import pytest

from alliance.research.sem import ModelSyntaxError, build_partable, parse_model


def test_parse_modifiers_labels_and_continuation():
    rows = parse_model(
        """
        # comment
        f =~ x1 + a*x2 +
             NA*x3 + 0.5*x4   ! another comment
        y1 + y2 ~ f; y1 ~ 1
        y2 ~ b*1
        x1 ~~ start(0.3)*x2
        """
    )
    got = [(r.lhs, r.op, r.rhs, r.fixed, r.free, r.label, r.start) for r in rows]
    assert got == [
        ("f", "=~", "x1", None, None, "", None),
        ("f", "=~", "x2", None, None, "a", None),
        ("f", "=~", "x3", None, True, "", None),
        ("f", "=~", "x4", 0.5, None, "", None),
        ("y1", "~", "f", None, None, "", None),
        ("y2", "~", "f", None, None, "", None),
        ("y1", "~1", "", None, None, "", None),
        ("y2", "~1", "", None, None, "b", None),
        ("x1", "~~", "x2", None, None, "", 0.3),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "f =~",
        "f := a*b",
        "a == b",
        "f =~ x1 + + x2",
        "x1 ~~ 1",
        "2x =~ y",
        "f =~ x | t1",
        "f =~ c(1,2)*x1",
        "f =~ x1\nf =~ x1",
        "y ~ a*x\nab := a*b",
        "y ~ a*x\nq := a +",
        "y ~ a*x\nq := __import__('os')",
        "y ~ a*x\nq := a.real",
        "y ~ a*x\na := 2*a",
        "ab := 1",
    ],
)
def test_bad_syntax_is_refused(text):
    with pytest.raises(ModelSyntaxError):
        build_partable(text)


def test_defaults_follow_lavaan_sem():
    # the free/fixed pattern lavaan 0.6-14 gives (checked with parTable() in R)
    pt = build_partable(
        """f =~ x1 + x2 + x3
        g =~ y5 + y6
        h =~ y7 + y8
        k =~ y4
        y1 ~ f + x1b
        y2 ~ x1b
        y3 ~ y1
        g ~ f
        h ~ f
        y2 ~~ 1*y2"""
    )
    rows = {(r.lhs, r.op, r.rhs): r for r in pt.rows}
    assert not rows[("f", "=~", "x1")].free and rows[("f", "=~", "x1")].value == 1.0
    assert rows[("f", "=~", "x2")].free
    assert rows[("y4", "~~", "y4")].value == 0.0 and not rows[("y4", "~~", "y4")].free
    assert not rows[("y2", "~~", "y2")].free
    for pair in [
        ("f", "k"),
        ("g", "h"),
        ("g", "y2"),
        ("g", "y3"),
        ("h", "y2"),
        ("h", "y3"),
        ("y2", "y3"),
    ]:
        assert rows[(*pair[:1], "~~", pair[1])].free, pair
    assert ("y1", "~~", "y2") not in rows  # y1 predicts y3: not a pure outcome
    assert rows[("x1b", "~~", "x1b")].exo and not rows[("x1b", "~~", "x1b")].free
    assert pt.ov_x == ["x1b"]
    assert pt.n_free == 30


def test_equal_labels_share_one_parameter():
    pt = build_partable("f =~ x1 + a*x2 + a*x3")
    free = [r for r in pt.rows if r.op == "=~" and r.free]
    assert free[0].index == free[1].index
    assert pt.n_free == 1 + 3 + 1  # one loading, three residuals, one factor variance


def test_std_lv_frees_first_loading():
    pt = build_partable("f =~ x1 + x2 + x3", std_lv=True)
    rows = {(r.lhs, r.op, r.rhs): r for r in pt.rows}
    assert rows[("f", "=~", "x1")].free
    assert not rows[("f", "~~", "f")].free and rows[("f", "~~", "f")].value == 1.0


def test_unidentified_models_are_reported():
    import pandas as pd

    from alliance.research.sem import fit_sem

    from .conftest import REFERENCE

    data = pd.read_csv(REFERENCE / "cfa_items.csv")
    with pytest.raises(ValueError, match="not identified"):
        fit_sem("f =~ goal1 + goal2", data)
    # a singular information matrix is an error naming the parameters involved (issue 18)
    with pytest.raises(ValueError, match=r"not identified.*involved are f=~goal2"):
        fit_sem("f =~ goal1 + goal2 + goal3 + goal4\nf ~~ 0*f", data)
    # a factor with two indicators and no covariance: only its own parameters are named
    with pytest.raises(ValueError, match=r"not identified") as caught:
        fit_sem("f =~ goal1 + goal2 + goal3 + goal4\ng =~ task1 + task2\nf ~~ 0*g", data)
    named = str(caught.value).split("involved are ")[1].split(" (")[0].split(", ")
    assert set(named) == {"g=~task2", "task1~~task1", "task2~~task2", "g~~g"}
