"""Every write about research goes through these functions, which also audit.

Consent changes append a row (history is kept); exports write a `ResearchExport` row and an
audit entry with the action "export" before any data leave the server. A model fit is an
export of estimates: it is logged the same way, with the format "fit".
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.research import write_dataset
from alliance.research.report import build_report
from alliance.research.sem import ModelSyntaxError, SemFit, build_partable, fit_sem
from alliance.research.sem.payload import fit_payload, payload_json
from alliance.web.accounts.models import Organisation, User
from alliance.web.audit.log import record
from alliance.web.practice.models import Client
from alliance.web.research.access import research_settings
from alliance.web.research.datasets import (
    NoResearchData,
    build_research_data,
    consent_counts,
    research_frame,
    research_variables,
    tidy_frame,
)
from alliance.web.research.models import (
    ExportFormat,
    ExportShape,
    ResearchConsent,
    ResearchExport,
)


def current_consent(client: Client) -> ResearchConsent | None:
    """Return the client's latest research consent row (given or withdrawn), if any."""
    return ResearchConsent.objects.filter(client=client).order_by("-id").first()


def record_research_consent(
    actor: User, client: Client, *, given_on: dt.date | None = None
) -> ResearchConsent:
    """Record that `client` consents to the research use of their pseudonymised data."""
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": "Consent cannot be dated in the future."})
    with transaction.atomic():
        latest = current_consent(client)
        if latest is not None and latest.in_force:
            raise ValidationError("The client's research consent is already recorded.")
        consent = ResearchConsent.objects.create(
            organisation=client.organisation, client=client, given_on=given_on, recorded_by=actor
        )
        record(actor, "create", consent, summary=f"research consent of {client.code} given")
    return consent


def withdraw_research_consent(
    actor: User, client: Client, *, withdrawn_on: dt.date | None = None
) -> ResearchConsent:
    """Record the withdrawal of research consent: the client leaves every future export."""
    withdrawn_on = withdrawn_on or timezone.localdate()
    with transaction.atomic():
        latest = current_consent(client)
        if latest is None or not latest.in_force:
            raise ValidationError("There is no research consent in force to withdraw.")
        if withdrawn_on < latest.given_on:
            raise ValidationError(
                {"withdrawn_on": "Consent cannot be withdrawn before it was given."}
            )
        consent = ResearchConsent.objects.create(
            organisation=client.organisation,
            client=client,
            given_on=latest.given_on,
            withdrawn_on=withdrawn_on,
            recorded_by=actor,
        )
        record(actor, "update", consent, summary=f"research consent of {client.code} withdrawn")
    return consent


@dataclass(frozen=True)
class ExportResult:
    """An audited export and its files (name → content)."""

    export: ResearchExport
    files: dict[str, bytes]

    def as_zip(self) -> bytes:
        """Return the files in one zip archive."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files.items():
                archive.writestr(name, content)
        return buffer.getvalue()


def _stem(organisation: Organisation) -> str:
    return f"alliance-research-{organisation.slug}-{timezone.now():%Y%m%d-%H%M%S}"


def export_dataset(
    user: User | None,
    *,
    organisation: Organisation,
    fmt: str,
    shape: str = ExportShape.BOTH,
    instruments: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
    via: str = "web",
) -> ExportResult:
    """Build the consented, pseudonymised data set(s), log the export and return the files.

    `fmt` is csv, parquet or sav; `shape` long, wide or both; `services` limits the
    episodes to those services (default: all). Each data file comes with its
    codebook as CSV. `user` is None for an export from the command line. Raises
    ``NoResearchData`` when no consenting client has data for `instruments`.
    """
    if fmt not in (ExportFormat.CSV, ExportFormat.PARQUET, ExportFormat.SAV):
        raise ValueError("format must be csv, parquet or sav")
    if shape not in ExportShape.values:
        raise ValueError("shape must be long, wide or both")
    instruments = sorted(instruments or [])
    services = sorted(services or [])
    data = build_research_data(
        organisation, instruments=instruments or None, services=services or None
    )
    shapes = ["long", "wide"] if shape == ExportShape.BOTH else [shape]
    stem = _stem(organisation)
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="alliance-export-") as tmp:
        for part in shapes:
            frame = data.long if part == "long" else data.wide
            codebook = data.codebook_long if part == "long" else data.codebook_wide
            name = f"{stem}-{part}.{fmt}"
            path = write_dataset(frame, codebook, Path(tmp) / name, fmt)
            files[name] = path.read_bytes()
            files[f"{stem}-{part}-codebook.csv"] = codebook.to_csv(index=False).encode("utf-8")
    file_name = f"{stem}.zip" if via == "web" else ", ".join(n for n in files)[:200]
    chosen = instruments or sorted(data.long["instrument"].unique())
    with transaction.atomic():
        export = ResearchExport.objects.create(
            organisation=organisation,
            created_by=user,
            via=via,
            format=fmt,
            shape=shape,
            instruments=chosen,
            services=services,
            n_clients=data.n_clients,
            n_excluded_clients=_excluded(organisation),
            n_episodes=len(data.wide),
            n_rows=len(data.long) if shape != ExportShape.WIDE else len(data.wide),
            file_name=file_name,
        )
        record(
            user,
            "export",
            export,
            organisation=organisation,
            summary=(
                f"research data set ({via}): {fmt}, {shape}, {data.n_clients} consenting "
                f"clients, {len(data.wide)} episodes, instruments {', '.join(chosen)}"
                f"{'; services ' + ', '.join(services) if services else ''}"
            ),
        )
    return ExportResult(export=export, files=files)


def _excluded(organisation: Organisation) -> int:
    """Clients left out for want of consent: withdrawn or never recorded (as the research
    page counts them; a consenting client without data yet is not left out)."""
    counts = consent_counts(organisation)
    return counts.withdrawn + counts.not_recorded


def export_report(
    user: User | None, *, organisation: Organisation, seed: int = 20240601, via: str = "web"
) -> tuple[ResearchExport, str]:
    """Run the prebuilt analyses on consenting clients' data; log it; return the HTML report."""
    tidy = tidy_frame(organisation)
    if tidy.empty:
        raise NoResearchData("No consenting client has data yet.")
    key = research_settings(organisation).project_key
    html = build_report(
        tidy,
        seed=seed,
        project_key=key,
        title=f"Alliance research report · {organisation.name}",
        excluded_clients=_excluded(organisation),
    )
    n_clients = tidy["client_key"].nunique()
    with transaction.atomic():
        export = ResearchExport.objects.create(
            organisation=organisation,
            created_by=user,
            via=via,
            format=ExportFormat.REPORT,
            instruments=sorted(tidy["instrument"].unique()),
            n_clients=n_clients,
            n_excluded_clients=_excluded(organisation),
            n_episodes=tidy["episode_key"].nunique(),
            n_rows=len(tidy),
            file_name=f"{_stem(organisation)}-report.html",
        )
        record(
            user,
            "export",
            export,
            organisation=organisation,
            summary=f"research report ({via}): {n_clients} consenting clients, seed {seed}",
        )
    return export, html


#: the most bootstrap draws a fit from the web page may ask for (each is a whole fit)
MAX_BOOTSTRAP = 2000
ESTIMATORS = ("ML", "MLR", "WLSMV")
MISSING = ("listwise", "ml")


class ModelFitError(ValueError):
    """Raised when a model cannot be fitted to the data; the message names the problem.

    ``variables`` lists the chosen data's variables (name, type, label) when the data
    were built, so that the page can show what the model may name.
    """

    def __init__(self, message: str, *, variables: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.variables = list(variables)


@dataclass(frozen=True)
class FitOutcome:
    """An audited model fit: the log row, the fit, its JSON document and the data's size."""

    export: ResearchExport
    result: SemFit
    payload: dict[str, Any]
    n_clients: int
    n_rows: int
    variables: list[dict[str, Any]]

    def as_json(self) -> str:
        """The text ``alliance research fit --json`` prints for the same model and data."""
        return payload_json(self.payload) + "\n"


def _columns(names: Iterable[str], frame: pd.DataFrame, what: str) -> None:
    unknown = [n for n in names if n not in frame.columns]
    if unknown:
        raise ModelFitError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} in {what}: {', '.join(unknown)}. "
            "The variables of the chosen data are listed under Data."
        )


def _check_data(frame: pd.DataFrame, observed: list[str], missing: str, grouped: bool) -> None:
    """Refuse, naming the column or the count, what the engine would only call 'not
    positive definite': text columns, constant columns, and too few cases (a covariance
    matrix of p variables needs at least p + 1; the engine counts per group itself)."""
    values = frame[observed].apply(pd.to_numeric, errors="coerce")
    text = [c for c in observed if values[c].isna().all() and frame[c].notna().any()]
    if text:
        raise ModelFitError(
            f"Not numbers: {', '.join(text)} hold{'s' if len(text) == 1 else ''} text or "
            "categories; name such a column as the group column instead."
        )
    usable = values.notna().all(axis=1) if missing == "listwise" else values.notna().any(axis=1)
    n, needed = int(usable.sum()), len(observed) + 1
    if not grouped and n < needed:
        kind = "complete cases" if missing == "listwise" else "cases with any answer"
        raise ModelFitError(
            f"Too few cases: {n} {kind} for the model's {len(observed)} observed variables; "
            f"it needs at least {needed}."
        )
    constant = [c for c in observed if values.loc[usable, c].nunique() == 1]
    if constant:
        raise ModelFitError(
            f"No variance: {', '.join(constant)} take{'s' if len(constant) == 1 else ''} "
            f"one value in the {n} cases used; leave {'it' if len(constant) == 1 else 'them'} "
            "out of the model."
        )


def _fit_frame(
    frame: pd.DataFrame, syntax: str, *, ordered: list[str], group: str | None, **options: Any
) -> SemFit:
    """Check the model against the frame, then fit it; raise ``ModelFitError`` on bad input."""
    missing, std_lv = options["missing"], options["std_lv"]
    try:
        observed = build_partable(syntax, std_lv=std_lv).ov
    except ModelSyntaxError as exc:
        raise ModelFitError(f"Model syntax: {exc}") from exc
    _columns(observed, frame, "the model")
    _columns(ordered, frame, "ordered")
    if group:
        _columns([group], frame, "group")
    _check_data(frame, observed, missing, grouped=bool(group))
    try:
        return fit_sem(syntax, frame, group=group, ordered=ordered or None, **options)
    except ModelSyntaxError as exc:
        raise ModelFitError(f"Model syntax: {exc}") from exc
    except KeyError as exc:
        raise ModelFitError(f"Unknown column: {exc.args[0] if exc.args else exc}") from exc
    except (ValueError, TypeError, np.linalg.LinAlgError) as exc:
        raise ModelFitError(f"Cannot fit the model: {exc}") from exc


def fit_model(
    user: User | None,
    *,
    organisation: Organisation,
    syntax: str,
    shape: str = "wide",
    session: int | None = None,
    instruments: Sequence[str] | None = None,
    services: Sequence[str] | None = None,
    estimator: str | None = None,
    ordered: Sequence[str] = (),
    group: str | None = None,
    group_equal: Sequence[str] = (),
    missing: str = "listwise",
    std_lv: bool = False,
    bootstrap: int = 0,
    seed: int | None = None,
    via: str = "web",
) -> FitOutcome:
    """Fit a lavaan-syntax model to consenting clients' research data; log it; return it.

    The data are the export's pseudonymised data set (`shape` wide or long, the long one
    optionally only session number `session`) of `instruments` and `services`; the options
    mean what they mean to ``alliance research fit`` and ``fit_sem``. Raises
    ``NoResearchData`` when no consenting client has data, and ``ModelFitError``, naming
    the problem, when the model cannot be fitted (syntax, unknown column, not identified,
    too few cases, an empty category, an unknown label, a bootstrap out of range).
    """
    if estimator is not None and estimator not in ESTIMATORS:
        raise ModelFitError(f"The estimator must be one of {', '.join(ESTIMATORS)}.")
    if missing not in MISSING:
        raise ModelFitError("Missing data are handled 'listwise' or by full-information ML.")
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise ModelFitError(f"Bootstrap draws must be between 0 and {MAX_BOOTSTRAP:,}.")
    instruments = sorted(instruments or [])
    services = sorted(services or [])
    data = build_research_data(
        organisation, instruments=instruments or None, services=services or None
    )
    frame = research_frame(data, shape=shape, session=session)
    if frame.empty:
        raise NoResearchData("No consenting client has forms of this session yet.")
    variables = research_variables(data, shape)
    try:
        result = _fit_frame(
            frame,
            syntax,
            missing=missing,
            std_lv=std_lv,
            estimator=estimator,
            group=group or None,
            group_equal=list(group_equal),
            bootstrap=bootstrap,
            seed=seed,
            ordered=list(ordered),
        )
    except ModelFitError as exc:
        raise ModelFitError(str(exc), variables=variables) from exc
    payload = fit_payload(result)
    chosen = instruments or sorted(data.long["instrument"].unique())
    options = result.options
    with transaction.atomic():
        export = ResearchExport.objects.create(
            organisation=organisation,
            created_by=user,
            via=via,
            format=ExportFormat.FIT,
            shape=shape,
            instruments=chosen,
            services=services,
            n_clients=data.n_clients,
            n_excluded_clients=_excluded(organisation),
            n_episodes=int(frame["episode_id"].nunique()),
            n_rows=int(result.n_obs),
            file_name=f"{_stem(organisation)}-fit.json",
        )
        record(
            user,
            "export",
            export,
            organisation=organisation,
            summary=(
                f"model fit ({via}): {options.get('estimator', estimator or 'ML')}, "
                f"{result.n_obs} cases ({shape}"
                f"{f', session {session}' if session and shape == 'long' else ''}) of "
                f"{data.n_clients} consenting clients, instruments {', '.join(chosen)}"
                f"{'; services ' + ', '.join(services) if services else ''}"
                f"{f'; group {group}' if group else ''}"
                f"{f'; bootstrap {bootstrap}' if bootstrap else ''}"
            ),
        )
    return FitOutcome(
        export=export,
        result=result,
        payload=payload,
        n_clients=data.n_clients,
        n_rows=len(frame),
        variables=variables,
    )
