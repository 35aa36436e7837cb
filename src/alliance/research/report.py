"""A self-contained HTML research report (opens offline: inline CSS and SVG, no scripts).

Sections: data description, reliability of the alliance measure (alpha with CI, omega,
item–total statistics), CFA (goal/task/bond vs one factor), longitudinal measurement
invariance (early vs late sessions), the multilevel alliance -> outcome model (d), the
RI-CLPM (c) over the first sessions, trajectory plots, and the package versions and random
seed that reproduce every number.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.metadata
import math
import platform
import secrets
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from alliance.instruments import InstrumentError, load_instrument

from .datasets import build_datasets, safe_name
from .multilevel import Table, alliance_outcome_model
from .prebuilt import fit_riclpm, riclpm_paths
from .psychometrics import compare_alliance_structures, measurement_invariance, reliability_table
from .simulate import WAI_SUBSCALES

__all__ = ["ALLIANCE_KEYS", "OUTCOME_INSTRUMENTS", "build_report", "line_chart_svg"]

#: item keys of the alliance measures the report knows (instrument id -> scale -> items),
#: from the instrument definitions in ``alliance.instruments``
ALLIANCE_KEYS: dict[str, dict[str, list[str]]] = {
    "alliance-check": {"alliance": ["1", "2", "3", "4"]},
    "wai-sr": {k: [str(i) for i in v] for k, v in WAI_SUBSCALES.items()},
}
#: outcome instruments, in order of preference
OUTCOME_INSTRUMENTS = ("phq9", "core10", "k10", "gad7", "who5", "ors")

_PACKAGES = (
    "alliance",
    "numpy",
    "scipy",
    "pandas",
    "polars",
    "statsmodels",
    "pyreadstat",
    "pyarrow",
)
_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th{background:#f2f2f2}td.l,th.l{text-align:left}
.note{color:#555;font-size:.9rem}.warn{color:#8a4b00}
figure{margin:1rem 0}.scroll{overflow-x:auto}figcaption{font-size:.9rem;color:#444}
"""


def _fmt(value: object, digits: int = 3) -> str:
    if value is None:
        return "NA"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return "NA"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def _table(frame: pd.DataFrame, caption: str = "") -> str:
    head = "".join(
        f"<th class='{'l' if frame[c].dtype == object else ''}'>{html.escape(str(c))}</th>"
        for c in frame.columns
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            cls = " class='l'" if isinstance(value, str) else ""
            cells.append(f"<td{cls}>{html.escape(_fmt(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<div class='scroll'><table>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _possible_range(instrument_id: str) -> tuple[float, float] | None:
    """The lowest and highest total an instrument allows, where the library knows it."""
    try:
        low, high = load_instrument(instrument_id).range
    except InstrumentError:
        return None
    return float(low), float(high)


def line_chart_svg(
    series: Mapping[str, pd.DataFrame],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 300,
    y_bounds: tuple[float, float] | None = None,
) -> str:
    """Inline SVG line chart; each series is a frame with ``x``, ``y`` and optional ``lo``/``hi``.

    Series whose name starts with ``_`` are drawn thin and grey (individual trajectories).
    ``y_bounds``, the scale's possible range: the axis never reaches beyond it, and a
    confidence band that would is cut at it (a PHQ-9 mean near 0 has no interval below 0).
    """
    colours = ["#1f5fa8", "#b3461c", "#2e7d32", "#6a3d9a"]
    frames = [f for f in series.values() if len(f)]
    if not frames:
        return ""
    xs = pd.concat([f["x"] for f in frames])
    ys = pd.concat([f[c] for f in frames for c in ("y", "lo", "hi") if c in f])
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = float(ys.min()), float(ys.max())
    if y_bounds is not None:
        y0, y1 = max(y0, y_bounds[0]), min(y1, y_bounds[1])
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    left, right, top, bottom = 56, 16, 28, 44

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        y = min(max(y, y0), y1) if y_bounds is not None else y
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{html.escape(title)}'>",
        f"<text x='{width / 2}' y='16' text-anchor='middle' font-size='13'>"
        f"{html.escape(title)}</text>",
        f"<line x1='{left}' y1='{height - bottom}' x2='{width - right}' y2='{height - bottom}' "
        "stroke='#444'/>",
        f"<line x1='{left}' y1='{top}' x2='{left}' y2='{height - bottom}' stroke='#444'/>",
    ]
    for k in range(5):
        yv = y0 + k * (y1 - y0) / 4
        parts.append(
            f"<text x='{left - 6}' y='{py(yv) + 4:.1f}' text-anchor='end' font-size='10'>"
            f"{yv:.1f}</text>"
        )
    for xv in sorted(set(np.round(np.linspace(x0, x1, min(int(x1 - x0) + 1, 12))).astype(int))):
        parts.append(
            f"<text x='{px(xv):.1f}' y='{height - bottom + 14}' text-anchor='middle' "
            f"font-size='10'>{xv}</text>"
        )
    parts.append(
        f"<text x='{width / 2}' y='{height - 8}' text-anchor='middle' font-size='11'>"
        f"{html.escape(x_label)}</text>"
    )
    parts.append(
        f"<text x='14' y='{height / 2}' text-anchor='middle' font-size='11' "
        f"transform='rotate(-90 14 {height / 2})'>{html.escape(y_label)}</text>"
    )
    legend_y = top
    colour_index = 0
    for name, frame in series.items():
        if not len(frame):
            continue
        thin = name.startswith("_")
        colour = "#bbbbbb" if thin else colours[colour_index % len(colours)]
        if not thin:
            colour_index += 1
        if {"lo", "hi"} <= set(frame.columns) and not thin:
            pts = [f"{px(x):.1f},{py(y):.1f}" for x, y in zip(frame["x"], frame["hi"], strict=True)]
            pts += [
                f"{px(x):.1f},{py(y):.1f}"
                for x, y in zip(frame["x"][::-1], frame["lo"][::-1], strict=True)
            ]
            parts.append(f"<polygon points='{' '.join(pts)}' fill='{colour}' opacity='0.15'/>")
        line = " ".join(
            f"{px(x):.1f},{py(y):.1f}" for x, y in zip(frame["x"], frame["y"], strict=True)
        )
        parts.append(
            f"<polyline points='{line}' fill='none' stroke='{colour}' "
            f"stroke-width='{1 if thin else 2.5}'/>"
        )
        if not thin:
            parts.append(
                f"<text x='{width - right - 4}' y='{legend_y}' text-anchor='end' font-size='11' "
                f"fill='{colour}'>{html.escape(name)}</text>"
            )
            legend_y += 14
    parts.append("</svg>")
    return "".join(parts)


def _versions() -> pd.DataFrame:
    rows = [{"package": "python", "version": platform.python_version()}]
    for name in _PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        rows.append({"package": name, "version": version})
    return pd.DataFrame(rows)


def _mean_by_session(long: pd.DataFrame, instrument: str) -> pd.DataFrame:
    part = long[long["instrument"] == instrument]
    g = part.groupby("session_number")["score"]
    out = pd.DataFrame(
        {"x": g.mean().index, "y": g.mean().values, "n": g.count().values, "sd": g.std().values}
    )
    half = 1.959963984540054 * out["sd"] / np.sqrt(out["n"])
    out["lo"] = out["y"] - half.fillna(0)
    out["hi"] = out["y"] + half.fillna(0)
    return out[out["n"] >= 5]


def build_report(
    tidy: Table,
    *,
    seed: int = 20240601,
    project_key: bytes | str | None = None,
    alliance_instrument: str | None = None,
    subscales: Mapping[str, Sequence[int | str]] | None = None,
    outcome_instrument: str | None = None,
    riclpm_waves: int = 5,
    title: str = "Alliance research report",
    excluded_clients: int | None = None,
) -> str:
    """Run the prebuilt analyses on a tidy frame and return a self-contained HTML page.

    ``tidy`` has ``alliance.research.datasets.TIDY_COLUMNS``; only consenting clients are
    analysed, under research ids. ``alliance_instrument`` defaults to the first of
    ``ALLIANCE_KEYS`` present in the data (the Alliance Check, then the WAI-SR);
    ``subscales`` maps subscale names to its item ids (default: ``ALLIANCE_KEYS``);
    ``outcome_instrument`` defaults to the first of ``OUTCOME_INSTRUMENTS`` present. Each
    analysis that cannot run on the data (too few episodes, no convergence) is reported
    as such. ``excluded_clients`` is the number of clients left out for want of research
    consent (withdrawn or never recorded); by default, those in ``tidy`` without consent.
    """
    rng = np.random.default_rng(seed)
    # the report shows no ids, so a throwaway key is enough when none is given
    key = project_key or secrets.token_hex(16)
    ds = build_datasets(tidy, key)
    long = ds.long
    present = set(long["instrument"])
    if alliance_instrument is None:
        alliance_instrument = next((i for i in ALLIANCE_KEYS if i in present), "wai-sr")
    if outcome_instrument is None:
        outcome_instrument = next((i for i in OUTCOME_INSTRUMENTS if i in present), "phq9")
    subscales = subscales or ALLIANCE_KEYS.get(alliance_instrument, {})
    sections: list[str] = []

    # --- data description
    desc = pd.DataFrame(
        [
            {"quantity": "consenting clients", "value": ds.n_clients},
            {
                "quantity": "clients left out (no research consent)",
                "value": ds.n_excluded_clients if excluded_clients is None else excluded_clients,
            },
            {"quantity": "episodes", "value": long["episode_id"].nunique()},
            {
                "quantity": "sessions with data",
                "value": long.drop_duplicates(["episode_id", "session_number"]).shape[0],
            },
            {"quantity": "forms (session x instrument)", "value": len(long)},
        ]
    )
    per_instrument = (
        long.groupby("instrument")
        .agg(
            forms=("score", "size"),
            episodes=("episode_id", "nunique"),
            mean_score=("score", "mean"),
            sd_score=("score", "std"),
        )
        .reset_index()
    )
    covariates = (
        long.drop_duplicates("episode_id")[["service", "mandated"]]
        .astype(str)
        .value_counts()
        .rename("episodes")
        .reset_index()
    )
    sections.append(
        "<h2>Data</h2>"
        + _table(desc)
        + _table(per_instrument, "Instruments")
        + _table(covariates, "Episodes by service and mandate")
    )

    # --- reliability, CFA, invariance of the alliance measure
    item_cols = {
        name: [safe_name(alliance_instrument, i) for i in items]
        for name, items in subscales.items()
    }
    forms = long[long["instrument"] == alliance_instrument]
    all_items = [c for cols in item_cols.values() for c in cols]
    rel_html = ""
    if forms.empty or not set(all_items) <= set(forms.columns):
        rel_html = f"<p class='warn'>No {html.escape(alliance_instrument)} forms with the expected items.</p>"
    else:
        first = forms.sort_values("session_number").drop_duplicates("episode_id")
        scales = {k: v for k, v in item_cols.items() if len(v) >= 2}
        if len(item_cols) > 1:
            scales["total"] = all_items
        try:
            rel = reliability_table(first, scales)
            rel_html += _table(
                rel,
                "Reliability at each episode's first form (alpha with "
                "Feldt 95% CI; omega total from a one-factor model)",
            )
        except (ValueError, KeyError) as exc:
            rel_html += f"<p class='warn'>Reliability not computed: {html.escape(str(exc))}</p>"
        try:
            if all(len(item_cols.get(k, [])) >= 2 for k in ("goal", "task", "bond")):
                cfa, _ = compare_alliance_structures(
                    first, item_cols["goal"], item_cols["task"], item_cols["bond"]
                )
                rel_html += _table(cfa, "CFA: three correlated factors vs one factor (ML)")
        except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
            rel_html += f"<p class='warn'>CFA not computed: {html.escape(str(exc))}</p>"
        rel_html += _invariance(forms, item_cols)
    sections.append("<h2>Reliability and structure of the alliance measure</h2>" + rel_html)

    # --- multilevel model (d)
    ml_html = ""
    alliance_scores = long[long["instrument"] == alliance_instrument][
        ["episode_id", "session_number", "score"]
    ].rename(columns={"score": "alliance"})
    outcome_scores = long[long["instrument"] == outcome_instrument][
        ["episode_id", "session_number", "score"]
    ].rename(columns={"score": "outcome"})
    merged = alliance_scores.merge(outcome_scores, on=["episode_id", "session_number"])
    try:
        mixed = alliance_outcome_model(merged)
        random = pd.DataFrame([{"component": k, "estimate": v} for k, v in mixed.random.items()])
        ml_html += (
            "<p>outcome<sub>ij</sub> = b0 + b1 session + b2 (alliance<sub>ij</sub> − mean<sub>i</sub>)"
            " + b3 mean<sub>i</sub> + u0<sub>i</sub> + u1<sub>i</sub> session + e<sub>ij</sub>; "
            f"REML; {mixed.n_obs} sessions in {mixed.n_groups} episodes; "
            f"outcome = {html.escape(outcome_instrument)}, alliance = "
            f"{html.escape(alliance_instrument)} total.</p>"
            + _table(mixed.fixed, "Fixed effects (Wald z)")
            + _table(random, "Variance components")
        )
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        ml_html += f"<p class='warn'>Multilevel model not fitted: {html.escape(str(exc))}</p>"
    sections.append("<h2>Alliance and outcome across sessions (multilevel)</h2>" + ml_html)
    sections.append(
        "<h2>Whose alliance? Practitioner and client parts (Baldwin, Wampold &amp; Imel 2007)</h2>"
        + _alliance_split_html(long, alliance_instrument, outcome_instrument)
    )

    # --- RI-CLPM (c)
    ri_html = ""
    waves = range(1, riclpm_waves + 1)
    wide = merged[merged["session_number"].isin(waves)].pivot(
        index="episode_id", columns="session_number", values=["alliance", "outcome"]
    )
    try:
        if wide.shape[0] < 50 or wide.shape[1] < 2 * riclpm_waves:
            raise ValueError(f"needs 50+ episodes with sessions 1-{riclpm_waves}")
        pairs = wide.columns
        assert isinstance(pairs, pd.MultiIndex)  # (value, session): two values pivoted
        wide.columns = [f"{'x' if a == 'alliance' else 'y'}{s}" for a, s in pairs]
        x = [f"x{t}" for t in waves]
        y = [f"y{t}" for t in waves]
        ri = fit_riclpm(wide.reset_index(), x, y)
        fit_row = pd.DataFrame(
            [{k: ri.fit[k] for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr")}]
        )
        ri_html += (
            f"<p>x = alliance, y = {html.escape(outcome_instrument)}, sessions 1–{riclpm_waves}, "
            f"FIML on {ri.n_obs} episodes (Hamaker, Kuiper &amp; Grasman 2015).</p>"
            + _table(riclpm_paths(ri), "Within-person paths")
            + _table(fit_row, "Fit")
        )
        if not ri.converged:
            ri_html += "<p class='warn'>The optimiser did not converge.</p>"
    except (ValueError, KeyError, np.linalg.LinAlgError, FloatingPointError) as exc:
        ri_html += f"<p class='warn'>RI-CLPM not fitted: {html.escape(str(exc))}</p>"
    sections.append("<h2>Within-person alliance and symptoms (RI-CLPM)</h2>" + ri_html)

    # --- trajectories
    figs = []
    for inst in (alliance_instrument, outcome_instrument):
        mean = _mean_by_session(long, inst)
        part = long[long["instrument"] == inst]
        episodes = part["episode_id"].unique()
        pick: NDArray[np.object_] | list[str] = (
            rng.choice(episodes, size=min(12, len(episodes)), replace=False)
            if len(episodes)
            else []
        )
        series = {
            f"_{i}": part[part["episode_id"] == e]
            .sort_values("session_number")
            .rename(columns={"session_number": "x", "score": "y"})[["x", "y"]]
            for i, e in enumerate(pick)
        }
        series[f"mean {inst} (95% CI)"] = mean
        svg = line_chart_svg(
            series,
            title=f"{inst} score by session",
            x_label="session",
            y_label=f"{inst} score",
            y_bounds=_possible_range(inst),
        )
        figs.append(
            f"<figure>{svg}<figcaption>Mean {html.escape(inst)} score by session with 95% CI "
            f"(sessions with 5+ forms), and {len(pick)} randomly chosen episodes (grey; "
            f"seed {seed}).</figcaption></figure>"
        )
    sections.append("<h2>Trajectories</h2>" + "".join(figs))

    # --- reproducibility
    sections.append(
        "<h2>Reproducibility</h2>"
        f"<p>Random seed: <strong>{seed}</strong>. Generated "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. Estimation: maximum "
        "likelihood (FIML where data are missing) as lavaan 0.6; multilevel REML as lme4. "
        "Rerun with <code>alliance research report DATA.csv --out FILE.html "
        f"--seed {seed}</code>.</p>" + _table(_versions(), "Package versions")
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        "<p class='note'>Consented, pseudonymised data only. Every estimate can be "
        "reproduced from the command and versions at the end.</p>"
        + "".join(sections)
        + "</body></html>"
    )


def _alliance_split_html(long: pd.DataFrame, alliance_instrument: str, outcome: str) -> str:
    """The alliance-outcome link split into its within- and between-practitioner parts.

    One row per episode: the alliance at session 3, the outcome at the first and the last
    session with a score; see ``alliance.outcomes.effects.alliance_outcome_split``.
    """
    # outcomes builds on research's multilevel engine; importing it here at load time
    # would make the two pure packages import each other.
    from alliance.outcomes.effects import alliance_outcome_split

    scores = long[["episode_id", "practitioner_id", "session_number", "instrument", "score"]]
    alliance = scores[
        (scores["instrument"] == alliance_instrument) & (scores["session_number"] == 3)
    ].drop_duplicates("episode_id")[["episode_id", "practitioner_id", "score"]]
    outcome_rows = scores[scores["instrument"] == outcome].sort_values("session_number")
    ends = outcome_rows.groupby("episode_id")["score"].agg(start="first", end="last", n="size")
    episodes = alliance.rename(columns={"score": "alliance", "practitioner_id": "practitioner"})
    episodes = episodes.merge(ends[ends["n"] >= 2].reset_index(), on="episode_id")
    if len(episodes) < 10 or episodes["practitioner"].nunique() < 2:
        return (
            "<p class='warn'>Alliance split not fitted: needs 10+ episodes with a session-3 "
            f"alliance and two outcome scores, from 2+ practitioners (has {len(episodes)} "
            f"from {episodes['practitioner'].nunique()}).</p>"
        )
    try:
        split = alliance_outcome_split(episodes)
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        return f"<p class='warn'>Alliance split not fitted: {html.escape(str(exc))}</p>"
    rows = pd.DataFrame(
        [
            {"part": name, **{k: split_part[k] for k in ("est", "se", "low", "high")}}
            for name, split_part in (
                ("within practitioner (the client's part)", split.within),
                ("between practitioners (the practitioner's part)", split.between),
                ("between minus within", split.difference),
            )
        ]
    )
    return (
        "<p>end<sub>ij</sub> = b0 + b1 start<sub>ij</sub> + bW (alliance<sub>ij</sub> − "
        "mean<sub>j</sub>) + bB mean<sub>j</sub> + u<sub>j</sub> + e<sub>ij</sub>, with "
        "alliance<sub>ij</sub> the session-3 "
        f"{html.escape(alliance_instrument)} total of client i seen by practitioner j and "
        f"start and end the first and last {html.escape(outcome)}; REML, as lme4; "
        f"{len(episodes)} episodes of {episodes['practitioner'].nunique()} practitioners.</p>"
        + _table(rows, "Alliance effects on the end score (95% Wald intervals)")
    )


def _invariance(forms: pd.DataFrame, item_cols: Mapping[str, list[str]]) -> str:
    """Invariance of each subscale between each episode's first and last form."""
    ordered = forms.sort_values("session_number")
    counts = ordered.groupby("episode_id")["session_number"].transform("size")
    ordered = ordered[counts >= 2]
    early = ordered.drop_duplicates("episode_id", keep="first").set_index("episode_id")
    late = ordered.drop_duplicates("episode_id", keep="last").set_index("episode_id")
    tables = []
    for name, cols in item_cols.items():
        if len(cols) < 3:
            continue
        wide = early[cols].add_suffix("_early").join(late[cols].add_suffix("_late"))
        try:
            table, _ = measurement_invariance(
                wide, [c + "_early" for c in cols], [c + "_late" for c in cols]
            )
        except (ValueError, KeyError, np.linalg.LinAlgError, FloatingPointError) as exc:
            tables.append(
                f"<p class='warn'>Invariance of {html.escape(name)} not tested: "
                f"{html.escape(str(exc))}</p>"
            )
            continue
        table.insert(0, "subscale", name)
        tables.append(_table(table, f"Measurement invariance of {name}: first vs last form"))
    return "".join(tables)
