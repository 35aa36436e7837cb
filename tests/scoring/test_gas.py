"""GAS T-score (Kiresuk & Sherman 1968), hand-worked."""

import math

import pytest

from alliance.scoring import GasError, gas_t_score


def test_all_goals_as_expected_is_fifty():
    assert gas_t_score([0, 0, 0]) == 50
    assert gas_t_score([0], weights=[5]) == 50


def test_single_goal():
    # one goal, w = 1: denominator sqrt(0.7 + 0.3) = 1
    assert gas_t_score([1]) == pytest.approx(60)
    assert gas_t_score([-2]) == pytest.approx(30)
    assert gas_t_score([2], weights=[3]) == pytest.approx(70)  # weight cancels for one goal


def test_two_goals_equal_weights():
    # 50 + 10 * 2 / sqrt(0.7 * 2 + 0.3 * 4) = 50 + 20 / sqrt(2.6) = 62.4035
    assert gas_t_score([1, 1]) == pytest.approx(62.4035, abs=1e-4)
    assert gas_t_score([1, -1]) == pytest.approx(50)


def test_weighted_goals():
    # sum(wx) = 3*2 + 2*(-1) + 1*0 = 4; sum(w^2) = 14; (sum w)^2 = 36
    # T = 50 + 40 / sqrt(0.7 * 14 + 0.3 * 36) = 50 + 40 / sqrt(20.6) = 58.8131
    assert gas_t_score([2, -1, 0], weights=[3, 2, 1]) == pytest.approx(58.8131, abs=1e-4)


def test_rho():
    assert gas_t_score([1, 1], rho=0) == pytest.approx(50 + 20 / math.sqrt(2))
    assert gas_t_score([1, 1], rho=0.5) == pytest.approx(50 + 20 / math.sqrt(0.5 * 2 + 0.5 * 4))


@pytest.mark.parametrize(
    ("args", "kwargs", "fragment"),
    [
        (([],), {}, "at least one"),
        (([3],), {}, "goal 1: attainment 3"),
        (([0, 0.5],), {}, "goal 2"),
        (([0, 1],), {"weights": [1]}, "1 weights for 2 goals"),
        (([0, 1],), {"weights": [1, 0]}, "goal 2: weight 0"),
        (([1],), {"rho": 1}, "rho"),
        (([True],), {}, "goal 1"),
    ],
)
def test_errors(args, kwargs, fragment):
    with pytest.raises(GasError, match=fragment):
        gas_t_score(*args, **kwargs)
    assert issubclass(GasError, ValueError)
