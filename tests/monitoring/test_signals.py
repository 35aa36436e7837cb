import json

import pandas as pd
import polars as pl

from alliance.monitoring import (
    MonitoringSettings,
    PracticeNorms,
    monitor,
    monitor_episode,
    risk_order,
    signal_list,
)
from alliance.monitoring.simulate import simulate_practice

from .helpers import AC, frame, series

PRAC = "alliance-check-practitioner"


def signals_of(rows, **kw):
    kw.setdefault("norms", PracticeNorms())
    return monitor(frame(rows), **kw).signals


def test_early_alliance_by_low_cutoff_and_practice_percentile():
    rows = series("e", [6, 6, 4, 4.5, 7, 7])
    lenient = MonitoringSettings(low_cutoffs=((AC, 3.0),))
    none = signals_of(rows, settings=lenient).filter(pl.col("type") == "early_alliance")
    assert none.height == 0
    s = MonitoringSettings()  # the Alliance Check's conservative default low cut-off: 5
    sig = signals_of(rows, settings=s).filter(pl.col("type") == "early_alliance")
    assert sig["session"].to_list() == [3] and sig["state"].to_list() == ["resolved"]
    assert sig["key"].to_list() == [f"early_alliance:e:{AC}"]
    assert json.loads(sig["evidence"][0])["sessions_below"] == [3, 4]
    pct = signals_of(
        rows, settings=lenient, norms=PracticeNorms(early_percentile={AC: 7.5})
    ).filter(pl.col("type") == "early_alliance")
    assert pct["method"].to_list() == ["practice_percentile"] and pct["state"].to_list() == ["open"]
    # relative to the practice only: information for the client page, not an inbox alert
    assert pct["severity"].to_list() == ["info"]
    assert sig["severity"].to_list() == ["info"]  # resolved
    assert signal_list(pct)[0].is_alert is False
    # exactly at the cut-off is not below it (default operator <)
    at = signals_of(series("e", [6, 6, 5, 5, 5]), settings=s).filter(
        pl.col("type") == "early_alliance"
    )
    assert at.height == 0


def test_low_alliance_runs():
    s = MonitoringSettings(low_cutoffs=((AC, 5.0),))
    sig = signals_of(series("e", [4, 6, 4, 4]), settings=s).filter(pl.col("type") == "low_alliance")
    assert sig["session"].to_list() == [1, 3] and sig["state"].to_list() == ["resolved", "open"]


def test_disagreement_gap_and_opposite_directions():
    rows = series("e", [8, 8, 9]) + series("e", [8, 4.5, 7], instrument=PRAC)
    sig = signals_of(rows).filter(pl.col("type") == "disagreement")
    # range 10: gap > 3 at session 2 (3.5 points); at 3 client +1, practitioner +2.5: same way
    assert sig["session"].to_list() == [2] and sig["method"].to_list() == ["gap"]
    rows = series("e", [8, 6, 8]) + series("e", [8, 8, 6], instrument=PRAC)
    sig = signals_of(rows).filter(pl.col("type") == "disagreement")
    assert sig["session"].to_list() == [3] and sig["method"].to_list() == ["opposite"]
    assert sig["state"].to_list() == ["open"]


def test_missing_checks_in_a_row():
    checks = pl.DataFrame(
        {
            "episode": ["e"] * 6,
            "session": [1, 2, 3, 4, 5, 6],
            "answered": [True, False, False, False, True, False],
        }
    )
    sig = signals_of(series("e", [8, 8]), checks=checks).filter(pl.col("type") == "missing_checks")
    assert sig["session"].to_list() == [2] and sig["state"].to_list() == ["resolved"]
    assert json.loads(sig["evidence"][0])["unanswered_in_a_row"] == 3
    two = checks.with_columns(
        pl.when(pl.col("session") == 4).then(True).otherwise(pl.col("answered")).alias("answered")
    )
    assert (
        signals_of(series("e", [8, 8]), checks=two)
        .filter(pl.col("type") == "missing_checks")
        .height
        == 0
    )


def test_critical_item_and_flag():
    rows = series("e", [12, 14], instrument="phq9") + [
        {"episode": "e", "session": 2, "instrument": "phq9", "subscale": "item9", "score": 1.0}
    ]
    sig = signals_of(rows).filter(pl.col("type") == "critical")
    assert sig["key"].to_list() == ["critical:e:s2:phq9:item9"] and sig["severity"].to_list() == [
        "critical"
    ]
    zero = rows[:-1] + [
        {"episode": "e", "session": 2, "instrument": "phq9", "subscale": "item9", "score": 0.0}
    ]
    assert signals_of(zero).filter(pl.col("type") == "critical").height == 0


def test_not_on_track_rational_rule_and_method():
    sig = signals_of(series("e", [12, 13, 18, 19], instrument="phq9")).filter(
        pl.col("type") == "not_on_track"
    )
    assert sig["method"].to_list() == ["rational"] and sig["session"].to_list() == [3]
    assert json.loads(sig["evidence"][0])["reason"] == "reliable deterioration since intake"


def test_pandas_input_and_risk_order():
    rows = (
        series("calm", [8, 8, 8])
        + series("hot", [12, 14], instrument="phq9")
        + [
            {
                "episode": "hot",
                "session": 2,
                "instrument": "phq9",
                "subscale": "item9",
                "score": 2.0,
            }
        ]
    )
    sig = monitor(
        pd.DataFrame(rows).assign(
            subscale=lambda d: d["subscale"].where(d["subscale"].notna(), None)
        ),
        norms=PracticeNorms(),
    ).signals
    order = risk_order(sig, ["calm", "hot"])
    assert order["episode"].to_list() == ["hot", "calm"]
    assert order["light"].to_list() == ["red", "green"]


def test_keys_stable_under_recomputation_and_new_data():
    table = simulate_practice(6000, seed=11)
    norms = monitor(table).norms
    a = monitor(table, norms=norms).signals
    b = monitor(table.sample(fraction=1.0, shuffle=True, seed=3), norms=norms).signals
    assert a.equals(b)
    assert a["key"].is_unique().all()
    # more sessions never remove or rename the key of a signal that began earlier
    earlier = monitor(table.filter(pl.col("session") < 10), norms=norms).signals
    assert set(earlier["key"]) <= set(a["key"])


def test_batch_equals_incremental():
    table = simulate_practice(3000, seed=5)
    norms = monitor(table).norms
    batch = monitor(table, norms=norms).signals
    for episode in table["episode"].unique().sort().to_list()[:12]:
        hist = table.filter(pl.col("episode") == episode)
        last = hist["session"].max()
        inc = monitor_episode(
            hist.filter(pl.col("session") < last),
            hist.filter(pl.col("session") == last),
            norms=norms,
        )
        assert inc.equals(batch.filter(pl.col("episode") == episode)), episode


def test_signal_objects_round_trip_to_json():
    sig = signals_of(series("e", [12, 13, 18, 19], instrument="phq9"))
    objs = signal_list(sig)
    assert objs and json.dumps([o.to_dict() for o in objs])


def test_disagreement_exactly_at_the_gap_does_not_fire():
    rows = series("e", [8, 8]) + series("e", [8, 5.5], instrument=PRAC)  # gap 2.5 = 25% of 10
    assert signals_of(rows).filter(pl.col("type") == "disagreement").height == 0


def test_rational_rule_fires_at_exactly_the_reliable_change():
    sig = signals_of(series("e", [10, 12, 16], instrument="phq9")).filter(
        pl.col("type") == "not_on_track"
    )
    assert sig["session"].to_list() == [3]  # 16 - 10 = 6 = the PHQ-9 reliable change
    assert (
        signals_of(series("e", [10, 12, 15.9], instrument="phq9"))
        .filter(pl.col("type") == "not_on_track")
        .height
        == 0
    )


def test_one_alert_per_rupture_moment_across_rules():
    rows = series("e", [8, 8.5, 8, 8.5, 5]) + [
        {"episode": "e", "session": 5, "instrument": AC, "subscale": "tension", "score": 1.0},
        {"episode": "e", "session": 5, "instrument": AC, "subscale": "bother", "score": 4.0},
    ]
    sig = signals_of(rows).filter(pl.col("type") == "rupture")
    assert sig["key"].to_list() == ["rupture:e:s5"]
    assert sig["method"].to_list() == ["dip+self_report"]
    ev = json.loads(sig["evidence"][0])
    assert ev["bother"] == 4.0 and ev["noise_source"] == "instrument"
    assert ev["pre_rupture_level"] == 8.25
    assert ev["labels"] == "sharp_drop+statistical_1sd+statistical_2sd"


def test_not_on_track_min_run():
    rows = series("e", [10, 12, 16, 11, 17, 18], instrument="phq9")
    one = signals_of(rows).filter(pl.col("type") == "not_on_track")
    assert one["session"].to_list() == [3, 5]
    two = signals_of(rows, settings=MonitoringSettings(not_on_track_min_run=2)).filter(
        pl.col("type") == "not_on_track"
    )
    assert two["session"].to_list() == [5] and two["state"].to_list() == ["open"]


def test_from_scoring_output_runs_every_rule():
    from alliance.monitoring.tidy import from_scoring
    from alliance.scoring.batch import score_batch

    check = [("1", 8), ("2", 7), ("3", 9), ("4", 8), ("5", 1), ("6", 4), ("7", 2)]
    phq = [(str(i), 1) for i in range(1, 9)] + [("9", 2)]
    items = pl.DataFrame(
        {
            "administration": [1] * 7 + [2] * 9,
            "instrument": [AC] * 7 + ["phq9"] * 9,
            "item": [i for i, _ in check] + [i for i, _ in phq],
            "value": [float(v) for _, v in check] + [float(v) for _, v in phq],
        }
    )
    admins = pl.DataFrame({"administration": [1, 2], "episode": ["e", "e"], "session": [1, 1]})
    tidy = from_scoring(score_batch(items), admins, items)
    assert set(tidy.filter(pl.col("instrument") == AC)["subscale"]) == {
        "total",
        "goal",
        "task",
        "bond",
        "overall",
        "tension",
        "bother",
        "resolved",
    }
    sig = monitor(tidy, norms=PracticeNorms()).signals
    assert set(sig["type"]) == {"critical", "rupture"}
    rupture = json.loads(sig.filter(pl.col("type") == "rupture")["evidence"][0])
    assert rupture["bother"] == 4.0


def test_signal_key_is_one_format_for_values_and_columns():
    from alliance.monitoring import rupture_key, session_part, signal_key

    assert (
        signal_key("critical", "e1", session_part(3), "ors", "total") == "critical:e1:s3:ors:total"
    )
    table = pl.DataFrame({"episode": ["e1", "e2"], "session": [3, None]})
    keys = table.select(
        signal_key("missing_checks", pl.col("episode"), session_part(pl.col("session")))
    ).to_series()
    assert keys.to_list() == ["missing_checks:e1:s3", None]
    assert rupture_key("e1", 4, "sharp_drop") == "rupture:e1:s4:sharp_drop"
    assert rupture_key("e1", 4, "rci", "wai") == "rupture:e1:s4:rci:wai"
