"""``alliance monitor FILE.csv``: run every monitoring rule over a tidy CSV of scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from alliance.monitoring.engine import monitor
from alliance.monitoring.expected import RecoveryModel
from alliance.monitoring.reading import ScoreFileError, read_scores_file
from alliance.monitoring.signals import signal_list

app = typer.Typer(help="Alliance monitoring: ruptures, not-on-track and other signals.")


def _read(path: Path) -> pl.DataFrame:
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, infer_schema_length=10000)


@app.command("monitor")
def monitor_command(
    file: Annotated[Path, typer.Argument(help="Tidy CSV (or Parquet) of scores.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the signals as JSON.")] = False,
    checks: Annotated[
        Path | None, typer.Option("--checks", exists=True, help="CSV of checks sent/answered.")
    ] = None,
    transcripts: Annotated[
        Path | None,
        typer.Option(
            "--transcripts", exists=True, help="CSV of confirmed transcript rupture moments."
        ),
    ] = None,
    models: Annotated[
        Path | None,
        typer.Option("--models", exists=True, help="JSON list of fitted expected-recovery models."),
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only signals that are still open.")
    ] = False,
) -> None:
    """Run every rule with the practice defaults over FILE and print the signals.

    FILE has the columns episode, session, instrument, score and optionally rater
    (client or practitioner), subscale (total, goal, task, bond, tension, bother, resolved,
    item9), date, phase, ended, critical. Exit code 2 on a bad row, with its line number.
    """
    try:
        scores = read_scores_file(file)
    except FileNotFoundError:
        typer.echo(f"Error: {file} does not exist", err=True)
        raise typer.Exit(2) from None
    except ScoreFileError as exc:
        typer.echo(f"Error: {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    recovery = None
    if models is not None:
        data = json.loads(models.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else list(data.values())
        recovery = {m.instrument: m for m in (RecoveryModel.from_json(x) for x in items)}
    try:
        result = monitor(
            scores,
            checks=_read(checks) if checks else None,
            transcript_ruptures=_read(transcripts) if transcripts else None,
            recovery_models=recovery,
        )
    except (ValueError, TypeError, pl.exceptions.PolarsError) as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    signals = result.signals
    if open_only:
        signals = signals.filter(pl.col("state") == "open")
    items = [s.to_dict() for s in signal_list(signals)]
    if as_json:
        typer.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    if not items:
        typer.echo("no signals")
        return
    # "alert" goes to the inbox; "information" shows on the client page and caseload only.
    # The severity is how urgent the signal is now: "info" once it is no longer open.
    for s in items:
        kind = "alert" if s["alert"] else "information"
        ev = ", ".join(f"{k}={v}" for k, v in s["evidence"].items() if v is not None)
        typer.echo(
            f"{kind:11s} {s['type']:15s} {s['episode']:>10s} s{s['session']!s:<4s} "
            f"{s['state']:10s} {s['severity']:8s} {s['method']}  {ev}"
        )
