"""`alliance monitor-all`, `alliance refit-recovery` and `alliance send-digest`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alliance.web.bootstrap import setup_django

if TYPE_CHECKING:
    from alliance.web.accounts.models import Organisation
    from alliance.web.insights.services import UpsertSummary

console = Console()
err = Console(stderr=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def monitor_all_command() -> None:
    """Recompute every monitoring signal in the database and update the alert inboxes."""

    setup_django()
    from alliance.web.accounts.models import Organisation
    from alliance.web.insights.services import monitor_all

    organisations = list(Organisation.objects.order_by("id"))
    with _progress() as progress:
        task = progress.add_task("Monitoring", total=len(organisations))

        def tick(organisation: Organisation, summary: UpsertSummary) -> None:
            progress.update(task, advance=1, description=f"Monitoring {organisation.slug}")

        total = monitor_all(organisations, progress=tick)
    console.print(
        f"{len(organisations)} organisation(s): {total.created} alert(s) created, "
        f"{total.updated} updated, {total.resolved_by_signal} resolved by the data, "
        f"{total.reopened} reopened."
    )


def refit_command() -> None:
    """Refit the expected-recovery corridors on each practice's completed episodes."""

    setup_django()
    from alliance.web.accounts.models import Organisation
    from alliance.web.insights.services import refit_recovery_models

    organisations = list(Organisation.objects.order_by("id"))
    with _progress() as progress:
        task = progress.add_task("Fitting", total=len(organisations))
        fitted = []
        for organisation in organisations:
            for model in refit_recovery_models(organisation):
                fitted.append((organisation.slug, model))
            progress.update(task, advance=1)
    if not fitted:
        console.print(
            "No corridor fitted: no practice has enough completed episodes yet (the rational rule applies)."
        )
    for slug, model in fitted:
        console.print(
            f"{slug}: {model.instrument_id} fitted on {model.n_episodes} completed episodes "
            f"({model.n_observations} administrations)"
        )


def send_digest_command() -> None:
    """E-mail each practitioner a daily digest of their open alerts (at most once a day)."""

    setup_django()
    from alliance.web.insights.digest import send_digest

    console.print(f"{send_digest()} digest(s) sent.")
