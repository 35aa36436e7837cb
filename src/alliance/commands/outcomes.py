"""``alliance outcomes FILE.csv [--json]``: recovery, reliable change and effect sizes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from alliance.outcomes.reading import OutcomeFileError, read_outcome_csv
from alliance.outcomes.summary import summarise_groups

RATE_LABELS = {
    "recovery": "recovery",
    "reliable_improvement": "reliable improvement",
    "reliable_deterioration": "reliable deterioration",
    "reliable_recovery": "reliable recovery",
}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _rate_cell(entry: dict[str, Any] | None) -> str:
    if not entry or entry["rate"] is None:
        return "–"
    return f"{_pct(entry['rate'])} ({_pct(entry['low'])}–{_pct(entry['high'])})"


def _print_table(groups: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="Outcomes (NHS Talking Therapies paired PHQ-9 + GAD-7; 95% Wilson intervals)"
    )
    for col in ("group", "episodes", "counted", "cases", *RATE_LABELS.values()):
        table.add_column(col, justify="left" if col == "group" else "right")
    notes = []
    for g in groups:
        table.add_row(
            g["group"],
            str(g["episodes"]),
            str(g["counted"]),
            str(g["case_at_start"]),
            *(_rate_cell(g["rates"].get(key)) for key in RATE_LABELS),
        )
        for reason, n in g["left_out"].items():
            notes.append(f"{g['group']}: {n} left out ({reason})")
    console = Console(width=max(Console().width, 180))
    console.print(table)
    for note in notes:
        console.print(note)
    console.print("The recovery rate is over cases at the start; the others over counted episodes.")
    console.print(_instrument_table(groups))
    for g in groups:
        for inst in g.get("instruments", []):
            for kind, effect in inst["effect_sizes"].items():
                for reason, n in (effect or {}).get("left_out", {}).items():
                    console.print(f"{g['group']}, {inst['name']}, {kind}: {n} left out ({reason})")
    console.print(
        "Cohen's d uses the intake SD (Becker's large-sample interval); the paired d the SD of "
        "the changes (exact noncentral t interval). A positive d is an improvement."
    )


def _d_cell(effect: dict[str, Any] | None) -> str:
    if not effect or effect.get("d") is None:
        return "–"
    return f"{effect['d']:.2f} ({effect['low']:.2f} to {effect['high']:.2f}), n={effect['n']}"


def _instrument_table(groups: list[dict[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="Each instrument on its own (its cut-off and reliable-change criterion)")
    columns = ("group", "instrument", "counted", "cases", *RATE_LABELS.values())
    for col in columns:
        table.add_column(col, justify="left" if col in ("group", "instrument") else "right")
    for col in ("Cohen's d (intake SD)", "paired d"):
        table.add_column(col, justify="right", no_wrap=True)
    for g in groups:
        for inst in g.get("instruments", []):
            effects = inst.get("effect_sizes", {})
            table.add_row(
                g["group"],
                inst["name"],
                str(inst["counted"]),
                str(inst["case_at_start"]),
                *(_rate_cell(inst["rates"].get(key)) for key in RATE_LABELS),
                _d_cell(effects.get("cohen_d_intake")),
                _d_cell(effects.get("paired_d")),
            )
    return table


def outcomes_command(
    file: Annotated[Path, typer.Argument(help="Tidy CSV: episode, session, instrument, score.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the groups as JSON.")] = False,
) -> None:
    """Count recovery, reliable improvement and deterioration per practice, practitioner, service.

    The CSV has the columns episode, session, instrument and score, and optionally
    practitioner and service. Exit code 2 on a bad row, with its line number.
    """
    try:
        frame = read_outcome_csv(file)
    except FileNotFoundError:
        typer.echo(f"Error: {file} does not exist", err=True)
        raise typer.Exit(2) from None
    except OutcomeFileError as exc:
        typer.echo(f"Error: {file}: {exc}", err=True)
        raise typer.Exit(2) from None
    groups = summarise_groups(frame)
    if as_json:
        typer.echo(json.dumps({"groups": groups}, ensure_ascii=False))
        return
    _print_table(groups)
