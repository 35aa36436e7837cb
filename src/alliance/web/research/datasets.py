"""Research data from the practice database: consenting clients only, pseudonymised.

The web layer's side of ``alliance.research.datasets``: it reads the scored responses of
consenting clients into the pure package's tidy frame (two queries, whatever the size of
the practice) and leaves pseudonymisation, the codebook and the file formats to it. Only
keys (public UUIDs, hashed again into research ids), dates (turned into days since the
episode started), codes and numbers leave the database: no clinic code, name, note or
other free text is ever read here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Max, QuerySet
from django.utils import timezone

from alliance.instruments import load_instrument
from alliance.instruments.loader import InstrumentError
from alliance.instruments.model import pick_text
from alliance.research import build_datasets, cronbach_alpha, item_total, mcdonald_omega
from alliance.research.datasets import TIDY_COLUMNS, ResearchDataset, safe_name
from alliance.research.report import ALLIANCE_KEYS
from alliance.web.accounts.models import Organisation
from alliance.web.measures import answers
from alliance.web.practice.models import Client
from alliance.web.research.access import research_settings
from alliance.web.research.models import ResearchConsent

#: the instrument whose reliability the research page shows
ALLIANCE_INSTRUMENT = "alliance-check"


class NoResearchData(ValueError):
    """Raised when no consenting client has data for the chosen instruments."""


def _latest_consent_rows(organisation: Organisation) -> QuerySet:
    latest = (
        ResearchConsent.objects.filter(organisation=organisation)
        .values("client_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    return ResearchConsent.objects.filter(id__in=latest)


def consenting_client_ids(organisation: Organisation) -> QuerySet:
    """Return a subquery of the ids of clients whose research consent is in force today."""
    return _latest_consent_rows(organisation).filter(withdrawn_on__isnull=True).values("client_id")


@dataclass(frozen=True)
class ConsentCounts:
    """How many clients of the organisation consented, withdrew or were never asked."""

    clients: int
    consenting: int
    withdrawn: int

    @property
    def not_recorded(self) -> int:
        return self.clients - self.consenting - self.withdrawn


def consent_counts(organisation: Organisation) -> ConsentCounts:
    """Count clients by research consent state (two queries)."""
    latest = _latest_consent_rows(organisation)
    consenting = latest.filter(withdrawn_on__isnull=True).count()
    withdrawn = latest.filter(withdrawn_on__isnull=False).count()
    clients = Client.objects.filter(organisation=organisation).count()
    return ConsentCounts(clients=clients, consenting=consenting, withdrawn=withdrawn)


def instruments_with_data(organisation: Organisation) -> list[str]:
    """Return the instrument ids with responses from consenting clients, sorted."""
    return answers.instruments_answered(organisation, consenting_client_ids(organisation))


def _number(value) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    return math.nan  # anything else would be free text: it never leaves


def tidy_frame(
    organisation: Organisation,
    *,
    instruments: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the tidy frame (one row per item response) of consenting clients' responses.

    Columns as ``alliance.research.datasets.TIDY_COLUMNS`` plus ``score_<subscale>``. Keys
    are public UUIDs (never the clinic's client code); a client-rated and a practitioner-
    rated form of the same instrument are told apart by a ``-practitioner-rated`` suffix.
    One query.
    """
    responses = answers.research_rows(
        organisation,
        consenting_client_ids(organisation),
        instruments=instruments,
        services=services,
    )
    rows: list[dict] = []
    for (
        client_key,
        episode_key,
        practitioner_key,
        started_on,
        number,
        starts_at,
        instrument_id,
        rater,
        item_values,
        total,
        subscales,
        service,
        session_format,
        interpreter_present,
        mandated,
        phase,
    ) in responses:
        if not isinstance(item_values, dict) or not item_values:
            continue
        instrument = instrument_id
        if rater == answers.Rater.PRACTITIONER and not instrument_id.endswith("-practitioner"):
            instrument = f"{instrument_id}-practitioner-rated"
        base = {
            "client_key": str(client_key),
            "episode_key": str(episode_key),
            "practitioner_key": str(practitioner_key),
            "episode_start": started_on,
            "session_number": number,
            "session_date": timezone.localtime(starts_at).date(),
            "instrument": instrument,
            "score": _number(total),
            "service": service,
            "format": session_format,
            "interpreter_present": bool(interpreter_present),
            "mandated": bool(mandated),
            "phase": phase,
            "research_consent": True,
        }
        for name, value in (subscales or {}).items():
            base[f"score_{safe_name(str(name))}"] = _number(value)
        for item, value in item_values.items():
            rows.append({**base, "item": str(item), "value": _number(value)})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(TIDY_COLUMNS))
    return frame


def instrument_metadata(instrument_ids: Iterable[str]) -> dict[str, dict]:
    """Codebook metadata per instrument id from the instrument library (label, licence, items)."""
    meta: dict[str, dict] = {}
    for instrument_id in instrument_ids:
        base_id = instrument_id.removesuffix("-practitioner-rated")
        try:
            inst = load_instrument(base_id)
        except InstrumentError:
            continue
        label = pick_text(inst.names, "en") or inst.short_name
        if base_id != instrument_id:
            label += " (rated by the practitioner)"
        items = {
            item.id: (
                item.text("en") if inst.text_may_be_shown else f"{inst.short_name} item {item.id}"
            )
            for item in inst.items
        }
        entry: dict = {"label": label, "licence": " ".join(inst.licence.split()), "items": items}
        answer_sets = {item.answers.id for item in inst.items}
        if len(answer_sets) == 1 and inst.items[0].options:
            entry["values"] = {
                f"{option.value:g}": pick_text(option.labels, "en")
                for option in inst.items[0].options
            }
        entry["subscales"] = {sub.id: sub.name("en") for sub in inst.subscales}
        meta[instrument_id] = entry
    return meta


def build_research_data(
    organisation: Organisation,
    *,
    instruments: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
    max_waves: int | None = None,
) -> ResearchDataset:
    """Build the organisation's pseudonymised long and wide data sets with codebooks.

    Raises ``NoResearchData`` when no consenting client has data for `instruments`.
    """
    tidy = tidy_frame(organisation, instruments=instruments, services=services)
    if tidy.empty:
        raise NoResearchData("No consenting client has data for these instruments yet.")
    key = research_settings(organisation).project_key
    meta = instrument_metadata(sorted(tidy["instrument"].unique()))
    return build_datasets(tidy, key, instruments=meta, max_waves=max_waves)


def _scale_row(first: pd.DataFrame, name: str, items: Sequence[str], instrument: str) -> dict:
    columns = [safe_name(instrument, i) for i in items]
    alpha = cronbach_alpha(first, columns)
    try:
        # a one-factor model needs three items and enough episodes to be identified
        omega = mcdonald_omega(first, columns).omega_total if len(columns) >= 3 else None
    except (ValueError, np.linalg.LinAlgError):
        omega = None
    if omega is not None and not math.isfinite(omega):
        omega = None
    return {
        "scale": name,
        "k": alpha.k,
        "n": alpha.n,
        "alpha": alpha.alpha,
        "alpha_ci_low": alpha.ci_low,
        "alpha_ci_high": alpha.ci_high,
        "omega_total": omega,
    }


@dataclass(frozen=True)
class Reliability:
    """Reliability of the alliance measure from the practice's own data, for the page."""

    instrument: str
    label: str
    table: list[dict]  # scale, k, n, alpha, alpha_ci_low, alpha_ci_high, omega_total
    items: list[dict]  # item, label, mean, sd, r_total, r_drop, alpha_if_dropped
    problem: str = ""


def alliance_reliability(
    organisation: Organisation, instrument: str = ALLIANCE_INSTRUMENT
) -> Reliability:
    """Alpha (Feldt CI), omega total and item–total statistics at each episode's first form."""
    meta = instrument_metadata([instrument]).get(instrument, {})
    label = meta.get("label", instrument)
    scales = ALLIANCE_KEYS.get(instrument)
    if not scales:
        return Reliability(instrument, label, [], [], problem="No scale definition.")
    items = [i for scale in scales.values() for i in scale]
    columns = [safe_name(instrument, i) for i in items]
    try:
        data = build_research_data(organisation, instruments=[instrument])
        forms = data.long[data.long["instrument"] == instrument]
        first = forms.sort_values("session_number").drop_duplicates("episode_id")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            table = [_scale_row(first, name, scale, instrument) for name, scale in scales.items()]
            stats = item_total(first, columns)
    except (ValueError, KeyError, np.linalg.LinAlgError) as exc:
        return Reliability(
            instrument,
            label,
            [],
            [],
            problem=(
                "Not enough complete forms from consenting clients yet: reliability needs "
                f"at least three episodes with every item answered ({exc})."
            ),
        )
    item_labels = dict(zip(columns, items, strict=True))
    texts = meta.get("items", {})
    stats["label"] = [texts.get(item_labels[c], item_labels[c]) for c in stats["item"]]
    return Reliability(
        instrument,
        label,
        table,
        stats.replace({np.nan: None}).to_dict("records"),
    )


def research_frame(
    data: ResearchDataset, *, shape: str = "wide", session: int | None = None
) -> pd.DataFrame:
    """Return the table a model is fitted to: the export's wide or long data set.

    ``wide``: one row per episode, sessions as waves (``<instrument>_score_s<n>``);
    ``long``: one row per episode × session × instrument, with the item columns
    (``<instrument>_<item>``), optionally only the forms of session number `session`.
    """
    if shape == "wide":
        return data.wide
    if shape != "long":
        raise ValueError("shape must be long or wide")
    if session is None:
        return data.long
    return data.long[data.long["session_number"] == session].reset_index(drop=True)


def research_variables(data: ResearchDataset, shape: str = "wide") -> list[dict]:
    """Return the variables (name, type, label) of the wide or long data set, from its codebook."""
    codebook = data.codebook_wide if shape == "wide" else data.codebook_long
    return [
        {"name": row["variable"], "type": row["type"], "label": row["label"]}
        for row in codebook[["variable", "type", "label"]].fillna("").to_dict("records")
    ]
