"""``alliance instruments``: list, show and load instrument definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from alliance.instruments.loader import (
    InstrumentDefinitionError,
    UnknownInstrumentError,
    clinic_dir,
    install_file,
    load_library,
)
from alliance.instruments.model import Instrument

app = typer.Typer(
    help="Instrument definitions: list, show, load a licensed definition.", no_args_is_help=True
)


def _summary(inst: Instrument) -> dict[str, Any]:
    return {
        "id": inst.id,
        "name": inst.name(),
        "version": inst.version,
        "construct": inst.construct,
        "respondent": inst.respondent,
        "languages": list(inst.languages),
        "items": len(inst.items),
        "validated": inst.validated,
        "placeholder": inst.placeholder,
        "origin": inst.origin,
    }


@app.command("list")
def list_instruments(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the available instruments (shipped and clinic-loaded)."""
    lib = load_library()
    rows = [_summary(lib[i]) for i in sorted(lib)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        flags = []
        if not r["validated"]:
            flags.append("NOT VALIDATED")
        if r["placeholder"]:
            flags.append("placeholder: load licensed text")
        if r["origin"] == "clinic":
            flags.append("clinic-loaded")
        extra = f"  [{'; '.join(flags)}]" if flags else ""
        typer.echo(
            f"{r['id']:<28} {r['name']}  (v{r['version']}, {r['construct']}, "
            f"{r['items']} items, {'/'.join(r['languages'])}){extra}"
        )


def _detail(inst: Instrument, lang: str | None) -> dict[str, Any]:
    show = inst.text_may_be_shown
    return {
        **_summary(inst),
        "name": inst.name(lang),
        "recall_period": inst.recall_period(lang),
        "instructions": inst.instructions(lang) if show else None,
        "validation_note": inst.validation_note(lang),
        "licence": inst.licence,
        "citation": inst.citation,
        "copyright": inst.copyright,
        "loinc": {"panel": inst.loinc_panel, "total": inst.loinc_total},
        "items": [
            {
                "id": it.id,
                "text": it.text(lang) if show else None,
                "kind": it.kind,
                "options": [{"value": o.value, "label": o.label(lang)} for o in it.options],
                "min": it.min,
                "max": it.max,
                "reverse": it.reverse,
                "scored": it.scored,
                "loinc": it.loinc,
            }
            for it in inst.items
        ],
        "subscales": {s.id: list(s.items) for s in inst.subscales},
        "scoring": {
            "method": inst.scoring.method,
            "multiplier": inst.scoring.multiplier,
            "max_missing": inst.scoring.max_missing,
            "range": list(inst.range),
        },
        "direction": inst.direction,
        "bands": [
            {"id": b.id, "min": b.min, "max": b.max, "label": b.label(lang)} for b in inst.bands
        ],
        "clinical_cutoff": inst.cutoff,
        "reliable_change_threshold": inst.reliable_change_threshold(),
        "critical_items": [t.item for t in inst.critical_items],
        "source": str(inst.source_path) if inst.source_path else None,
    }


@app.command("show")
def show(
    instrument_id: Annotated[str, typer.Argument(help="Instrument id, e.g. phq9.")],
    lang: Annotated[
        str, typer.Option("--lang", help="Language of texts (falls back to English).")
    ] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one instrument: items, options, scoring, bands, licence and citation."""
    try:
        inst = load_library()[instrument_id]
    except UnknownInstrumentError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    d = _detail(inst, lang)
    if as_json:
        typer.echo(json.dumps(d, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{d['name']}  [{inst.id} v{inst.version}, {inst.origin}]")
    if d["validation_note"]:
        typer.echo(f"NOTE: {d['validation_note']}")
    typer.echo(
        f"Construct: {inst.construct}; respondent: {inst.respondent}; recall: {d['recall_period']}"
    )
    if d["instructions"]:
        typer.echo(d["instructions"])
    for it in d["items"]:
        text = it["text"] if it["text"] is not None else "[item text not shown: licensed wording]"
        flags = (" (reverse-keyed)" if it["reverse"] else "") + (
            "" if it["scored"] else " (not scored)"
        )
        typer.echo(f"  {it['id']:>3}. {text}{flags}")
        if it["options"]:
            typer.echo(
                "       " + "; ".join(f"{o['value']:g} = {o['label']}" for o in it["options"])
            )
        else:
            typer.echo(f"       {it['min']:g} to {it['max']:g}")
    sc = d["scoring"]
    mult = f" x {sc['multiplier']:g}" if sc["multiplier"] != 1 else ""
    typer.echo(
        f"Scoring: {sc['method']}{mult}, range {sc['range'][0]:g}-{sc['range'][1]:g}, "
        f"at most {sc['max_missing']} missing item(s); {inst.direction.replace('_', ' ')}"
    )
    for sid, items in d["subscales"].items():
        typer.echo(f"  subscale {sid}: items {', '.join(items)}")
    for b in d["bands"]:
        typer.echo(f"  band {b['min']:g}-{b['max']:g}: {b['label']}")
    if d["clinical_cutoff"] is not None:
        typer.echo(f"Clinical cut-off: {d['clinical_cutoff']:g}")
    if d["reliable_change_threshold"] is not None:
        typer.echo(f"Reliable change: {d['reliable_change_threshold']:.2f}")
    if d["critical_items"]:
        typer.echo(f"Critical items: {', '.join(d['critical_items'])}")
    typer.echo(f"Citation: {inst.citation}")
    if inst.copyright:
        typer.echo(inst.copyright)
    typer.echo(f"Licence: {inst.licence}")


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(help="A YAML or JSON instrument definition.")],
    into: Annotated[
        Path | None,
        typer.Option("--into", help="Target directory (default: $ALLIANCE_HOME/instruments)."),
    ] = None,
) -> None:
    """Validate a definition (e.g. a licensed WAI-SR) and install it for this clinic."""
    try:
        inst, dest = install_file(file, into)
    except InstrumentDefinitionError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Loaded {inst.id} v{inst.version} ({len(inst.items)} items) into {dest}")
    typer.echo(
        f"It now replaces any shipped definition with id {inst.id!r} (directory {into or clinic_dir()})."
    )
