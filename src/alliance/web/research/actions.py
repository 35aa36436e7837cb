"""Every write about research goes through these functions, which also audit.

Consent changes append a row (history is kept); exports write a `ResearchExport` row and an
audit entry with the action "export" before any data leave the server.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alliance.research import write_dataset
from alliance.research.report import build_report
from alliance.web.accounts.models import Organisation, User
from alliance.web.audit.log import record
from alliance.web.practice.models import Client
from alliance.web.research.access import research_settings
from alliance.web.research.datasets import (
    NoResearchData,
    build_research_data,
    consent_counts,
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
