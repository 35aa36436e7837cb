"""``alliance score INSTRUMENT_ID``: score one response read as JSON on stdin."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from alliance.instruments import InstrumentError, load_instrument
from alliance.interop import safejson
from alliance.scoring.errors import ScoringError
from alliance.scoring.single import score_response

app = typer.Typer(help="Score one response.", add_completion=False)

CLI_KEYS = ("instrument", "total", "subscales", "band", "missing_items", "scored", "critical")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(2)


@app.command()
def score(
    instrument_id: Annotated[str, typer.Argument(help="Instrument id, e.g. phq9.")],
    json_: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Read {"item_id": value, ...} as JSON on stdin and print the score.

    Exit code 2 on unknown instruments, unknown items, out-of-range values or bad JSON.
    """
    try:
        inst = load_instrument(instrument_id)
    except InstrumentError as exc:
        raise _fail(str(exc)) from None
    raw = sys.stdin.read()
    try:
        responses = safejson.loads(raw)
    except safejson.JsonInputError as exc:
        raise _fail(f"stdin: {exc}") from None
    if not isinstance(responses, dict):
        raise _fail('expected a JSON object like {"1": 2, "2": 0}')
    try:
        result = score_response(responses, inst)
    except ScoringError as exc:
        raise _fail(str(exc)) from None
    data = result.to_dict()
    if json_:
        typer.echo(json.dumps({k: data[k] for k in CLI_KEYS}, ensure_ascii=False))
        return
    if result.scored:
        band = inst.band_for(result.total)
        typer.echo(f"{inst.short_name}: {result.total:g}" + (f" ({band.label()})" if band else ""))
    else:
        typer.echo(f"{inst.short_name}: not scored ({len(result.missing_items)} items missing)")
    for sid, val in result.subscales.items():
        typer.echo(f"  {sid}: {'-' if val is None else format(val, 'g')}")
    if result.missing_items:
        typer.echo(f"  missing items: {', '.join(result.missing_items)}")
    for t in inst.critical_items:
        if t.item in result.critical:
            typer.echo(f"  CRITICAL item {t.item}: {t.message()}")
    typer.echo(f"  {inst.citation}")
