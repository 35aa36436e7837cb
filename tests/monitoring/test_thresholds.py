"""Instrument thresholds from reliability, conservative defaults, and the practice's estimate."""

import math

import numpy as np
import polars as pl
import pytest

from alliance.monitoring import practice_norms, prepare_scores, scale_params
from alliance.monitoring.norms import PracticeNorms, trimmed_noise_sd
from alliance.monitoring.simulate import simulate_alliance


def test_wai_sr_thresholds_follow_its_published_reliability():
    p = scale_params(["wai-sr"])["wai-sr"]
    sem = 7.0 * math.sqrt(1 - 0.91)
    assert p.noise_sd == pytest.approx(sem, abs=0.01)
    assert p.reliable_change == pytest.approx(1.96 * math.sqrt(2) * sem, abs=0.01)
    assert p.low_cutoff == 36.0
    assert "Hatcher & Gillaspy 2006" in p.noise_source


def test_alliance_check_has_documented_conservative_defaults():
    p = scale_params(["alliance-check"])["alliance-check"]
    assert (p.noise_sd, p.low_cutoff) == (0.8, 5.0)
    assert p.reliable_change == pytest.approx(2.22, abs=0.01)
    assert "conservative default" in p.noise_source and "practice" in p.noise_source


def test_trimmed_noise_estimate_is_unbiased_and_ignores_ruptures():
    rng = np.random.default_rng(3)
    d = np.abs(rng.normal(0, 0.6, 20000) - rng.normal(0, 0.6, 20000))
    assert trimmed_noise_sd(d) == pytest.approx(0.6, rel=0.02)
    with_dips = np.r_[d, np.full(400, 2.4)]  # 2% of differences are 4-SD ruptures
    assert trimmed_noise_sd(with_dips) == pytest.approx(0.6, rel=0.03)
    assert math.sqrt(np.mean(with_dips**2) / 2) > 0.63  # the plain estimate is inflated


def test_the_practice_estimate_replaces_the_default_once_there_are_enough_episodes():
    scores, _ = simulate_alliance(200, seed=4)
    params = scale_params(["alliance-check"])
    norms = practice_norms(prepare_scores(scores, params), params)
    assert norms.noise_sd["alliance-check"] == pytest.approx(0.6, rel=0.06)
    few = scores.filter(pl.col("episode").is_in([f"sim-{i}" for i in range(10)]))
    assert "alliance-check" not in practice_norms(prepare_scores(few, params), params).noise_sd
    again = PracticeNorms.from_json(norms.to_json())
    assert again.noise_sd == norms.noise_sd
