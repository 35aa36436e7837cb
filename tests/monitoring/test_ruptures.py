import polars as pl
import pytest

from alliance.monitoring import (
    MonitoringSettings,
    PracticeNorms,
    detect_ruptures,
    prepare_scores,
    rupture_counts,
)
from alliance.monitoring.tidy import episode_frame, prepare_transcript_ruptures

from .helpers import AC, frame, params_with, series

NO_POOLED = PracticeNorms()


DEFAULTS = MonitoringSettings()


def run(rows, settings=DEFAULTS, norms=NO_POOLED, params=None, transcripts=None):
    params = params or params_with(reliable_change=2.0)
    df = prepare_scores(frame(rows), params)
    tr = prepare_transcript_ruptures(transcripts) if transcripts is not None else None
    return detect_ruptures(df, params, settings, norms=norms, transcript_ruptures=tr)


def only(r: pl.DataFrame, rule: str) -> pl.DataFrame:
    return r.filter(pl.col("rule") == rule)


def test_sharp_drop_at_exactly_the_reliable_change_threshold_fires_inclusive():
    rows = series("e", [8, 8, 6, 8])  # drop of exactly RC = 2 at session 3
    r = only(run(rows), "sharp_drop")
    assert r["begin_session"].to_list() == [3]
    assert r["state"].to_list() == ["repaired"] and r["repair_session"].to_list() == [4]
    assert r["drop"].to_list() == [2.0]
    strict = only(run(rows, MonitoringSettings(inclusive=False)), "sharp_drop")
    assert strict.height == 0


def test_first_session_never_ruptures_even_when_low():
    r = run(series("e", [1, 1.5, 1.2]))
    assert r.filter(pl.col("begin_session") == 1).height == 0


def test_statistical_rule_needs_three_prior_sessions_and_fires_at_threshold():
    # own SD of 4,5,6 = 1, mean 5; 4 is exactly 1 SD below -> fires with k=1, not k=2
    r = run(series("e", [4, 5, 6, 4]), MonitoringSettings(sd_source="own"))
    assert only(r, "statistical_1sd")["begin_session"].to_list() == [4]
    assert only(r, "statistical_2sd").height == 0
    # only two prior sessions: no statistical rupture
    assert (
        only(
            run(series("e", [5, 6, 2]), MonitoringSettings(sd_source="own")), "statistical_1sd"
        ).height
        == 0
    )


def test_pooled_sd_and_stricter_keeps_larger_sd():
    rows = series("e", [8, 8, 8, 7])  # own SD 0
    pooled = PracticeNorms(pooled_sd={AC: 1.0})
    no_floor = MonitoringSettings(sd_source="own", sd_floor_fraction=0)
    assert only(run(rows, no_floor, pooled), "statistical_1sd").height == 0
    # the default floor (5% of the 0-10 range) stands in for an own SD of 0
    floored = only(run(rows, MonitoringSettings(sd_source="own"), pooled), "statistical_1sd")
    assert floored["sd"].to_list() == [0.5] and floored["sd_source"].to_list() == ["floor"]
    r = only(run(rows, MonitoringSettings(sd_source="pooled"), pooled), "statistical_1sd")
    assert r["sd"].to_list() == [1.0] and r["sd_source"].to_list() == ["pooled"]
    # stricter: own SD 2 (values 6,8,10) beats pooled 1 -> 7 is only 1 SD... 8-7=1 < 2
    r2 = run(series("e", [6, 8, 10, 7]), MonitoringSettings(sd_source="stricter"), pooled)
    assert only(r2, "statistical_1sd").height == 0
    r3 = run(series("e", [6, 8, 10, 6]), MonitoringSettings(sd_source="stricter"), pooled)
    assert only(r3, "statistical_1sd")["sd_source"].to_list() == ["own"]


def test_previous_session_baseline():
    s = MonitoringSettings(sd_source="pooled", sd_baseline="previous")
    r = only(
        run(series("e", [5, 9, 9, 8]), s, PracticeNorms(pooled_sd={AC: 1.0})), "statistical_1sd"
    )
    assert r["begin_session"].to_list() == [4]  # 9 -> 8 is 1 SD; against the mean 7.67 it is not


def test_missed_sessions_compare_with_previous_administration_and_count_towards_window():
    rows = series("e", [8, 8, 8, 5, 8], sessions=[1, 2, 3, 4, 9])
    r = only(run(rows), "sharp_drop")
    assert r["begin_session"].to_list() == [4]
    # return at session 9 is outside the 3-session window: unrepaired
    assert r["state"].to_list() == ["unrepaired"] and r["repair_session"].to_list() == [None]


def test_instrument_changed_mid_episode_starts_a_new_series():
    rows = series("e", [50, 52, 51], instrument="wai-sr") + series("e", [7, 7, 7], start=4)
    r = run(rows)
    assert r.height == 0  # 51 -> 7 is not a drop: different instruments are never compared


def test_episode_ending_during_an_open_rupture_is_censored_unrepaired():
    rows = series("e", [8, 8, 5], ended=True)
    r = only(run(rows), "sharp_drop")
    assert r["state"].to_list() == ["unrepaired"] and r["censored"].to_list() == [True]
    still_running = only(run(series("e", [8, 8, 5])), "sharp_drop")
    assert still_running["state"].to_list() == ["open"] and still_running["censored"].to_list() == [
        False
    ]


def test_open_rupture_absorbs_a_second_dip():
    r = only(run(series("e", [8, 8, 6, 4, 8])), "sharp_drop")
    assert r["begin_session"].to_list() == [3] and r["n_dips"].to_list() == [2]
    assert r["lowest"].to_list() == [4.0] and r["state"].to_list() == ["repaired"]


def test_client_reported_resolution_repairs_a_score_rupture():
    rows = series("e", [8, 8, 5, 5]) + [
        {"episode": "e", "session": 4, "instrument": AC, "subscale": "tension", "score": 1.0},
        {"episode": "e", "session": 4, "instrument": AC, "subscale": "resolved", "score": 4.0},
    ]
    r = only(run(rows), "sharp_drop")
    assert r["state"].to_list() == ["repaired"] and r["repair_session"].to_list() == [4]


def test_self_reported_rupture_states():
    def check(session, tension, bother=None, resolved=None):
        out = [
            {
                "episode": "e",
                "session": session,
                "instrument": AC,
                "subscale": "tension",
                "score": tension,
            }
        ]
        if bother is not None:
            out.append(
                {
                    "episode": "e",
                    "session": session,
                    "instrument": AC,
                    "subscale": "bother",
                    "score": bother,
                }
            )
        if resolved is not None:
            out.append(
                {
                    "episode": "e",
                    "session": session,
                    "instrument": AC,
                    "subscale": "resolved",
                    "score": resolved,
                }
            )
        return out

    base = series("e", [8, 8, 8, 8, 8, 8])
    resolved_now = only(run(base + check(2, 1, 4, 3)), "self_report")
    assert resolved_now["state"].to_list() == ["repaired"] and resolved_now[
        "repair_session"
    ].to_list() == [2]
    assert resolved_now["size"].to_list() == [4.0]
    # resolution 2 of 5 leaves it open; the alliance stays at the pre-rupture level -> repaired next session
    r = only(run(base + check(2, 1, 5, 2)), "self_report")
    assert r["state"].to_list() == ["repaired"] and r["repair_session"].to_list() == [3]
    low = series("e", [8, 5, 5, 5, 5, 5])
    r = only(run(low + check(2, 1, 5, 2)), "self_report")
    assert r["state"].to_list() == ["unrepaired"]


def test_transcript_rupture_entry_point():
    moments = pl.DataFrame(
        {"episode": ["e"], "session": [3], "marker": ["withdrawal"], "resolved": [False]}
    )
    r = only(run(series("e", [8, 8, 8, 6, 6, 6, 6]), transcripts=moments), "transcript")
    assert r["marker"].to_list() == ["withdrawal"] and r["state"].to_list() == ["unrepaired"]
    assert r["key"].to_list() == ["rupture:e:s3:transcript"]


def test_gradual_decline_over_several_sessions():
    # Alliance Check default noise 0.8 (larger than the client's own SD): the mean of 5.95
    # and 5.75 is 2.15 below the earlier 8, beyond 3.25 * 0.8 * sqrt(1/2 + 1/6) = 2.12;
    # neither session alone is a dip (2.45 * 0.8 * sqrt(1 + 1/n) below the running mean).
    r = run(series("e", [8, 8, 8, 8, 8, 8, 5.95, 5.75]))
    g = only(r, "gradual_decline")
    assert g["begin_session"].to_list() == [8] and g["base"].to_list() == [8.0]
    assert g["sd_source"].to_list() == ["instrument"]
    assert only(r, "dip").height == 0
    assert only(run(series("e", [8, 8, 8, 8, 8, 8, 6.2, 6.0])), "gradual_decline").height == 0


def test_dip_threshold_uses_the_practice_noise_estimate_when_there_is_one():
    rows = series("e", [8, 8, 8, 8, 6.5])
    # instrument default 0.8: 2.5 * 0.8 * sqrt(1 + 1/4) = 2.24 > 1.5, no dip
    assert only(run(rows), "dip").height == 0
    # a practice whose measured noise is 0.5: 2.5 * 0.5 * 1.118 = 1.40 <= 1.5, a dip
    r = only(run(rows, norms=PracticeNorms(noise_sd={AC: 0.5})), "dip")
    assert r["begin_session"].to_list() == [5] and r["sd_source"].to_list() == ["practice"]


def test_rupture_counts_include_episodes_without_ruptures():
    rows = series("a", [8, 8, 5, 8]) + series("b", [8, 8, 8, 8])
    params = params_with(reliable_change=2.0)
    df = prepare_scores(frame(rows), params)
    r = detect_ruptures(df, params, norms=NO_POOLED)
    counts = rupture_counts(r, episode_frame(df)).filter(pl.col("rule") == "sharp_drop")
    assert counts.sort("episode")[["episode", "ruptures", "repaired"]].rows() == [
        ("a", 1, 1),
        ("b", 0, 0),
    ]


def test_settings_are_validated():
    with pytest.raises(ValueError, match="sd_source"):
        MonitoringSettings(sd_source="median")
    with pytest.raises(ValueError, match="corridor"):
        MonitoringSettings(corridor_quantiles=(0.5, 0.4, 0.9))
    s = MonitoringSettings(k_lenient=1.5, low_cutoffs=(("alliance-check", 6.0),))
    assert MonitoringSettings.from_dict(s.to_dict()) == s
    # settings stored before issue 12 called the 1-SD label k_alert
    assert MonitoringSettings.from_dict({"k_alert": 1.5}).k_lenient == 1.5
    with pytest.raises(ValueError, match="alert_z"):
        MonitoringSettings(alert_z=0)
    with pytest.raises(ValueError, match="unknown"):
        MonitoringSettings.from_dict({"k": 1})


def test_hash_collision_falls_back_to_the_text_sort(monkeypatch):
    from alliance.monitoring import tidy

    real = tidy._combined_hash
    monkeypatch.setattr(
        tidy, "_combined_hash", lambda seed: real(seed) * 0 if seed == 0 else real(seed)
    )
    rows = series("a", [8, 8, 5, 8]) + series("b", [8, 8, 8, 5])
    r = only(run(rows), "sharp_drop")
    assert r[["episode", "begin_session"]].rows() == [("a", 3), ("b", 4)]


def test_instrument_criterion_that_is_not_inclusive_needs_more_than_rc():
    rows = series("e", [8, 8, 6, 8])
    strict_instrument = params_with(reliable_change=2.0, reliable_change_inclusive=False)
    assert only(run(rows, params=strict_instrument), "sharp_drop").height == 0
    assert (
        only(run(series("e", [8, 8, 5.9, 8]), params=strict_instrument), "sharp_drop").height == 1
    )
