"""``alliance transcripts``: train and evaluate the AnnoMI models, analyse a transcript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from alliance.transcripts.model import FORMATS, ROLES, TranscriptError

app = typer.Typer(
    help="Transcripts: import, talk analytics, MI coding and rupture candidates.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder with AnnoMI-simple.csv (default: ../shared/data/annomi beside the repo).",
    ),
]


@app.command()
def train(
    data: DataOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the models (default: the package).")
    ] = None,
) -> None:
    """Rebuild the therapist-behaviour and client-talk models from AnnoMI (deterministic)."""
    from alliance.transcripts.training import train as do_train

    try:
        result = do_train(data, out)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for name, info in result.items():
        typer.echo(f"{name}: {info['npz']} ({info['version']})")


@app.command()
def evaluate(
    data: DataOption = None,
    models: Annotated[
        Path | None, typer.Option(help="Folder with the models (default: the shipped ones).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Score the models on the fixed AnnoMI test transcripts (transcript_id % 5 == 0)."""
    from alliance.transcripts.training import evaluate as do_evaluate

    try:
        result = do_evaluate(data, models)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for name in ("therapist", "client"):
        r = result[name]
        published = ", ".join(f"{k} {v}" for k, v in r["published_macro_f1"].items())
        per = ", ".join(f"{k} {v:.3f}" for k, v in r["per_class_f1"].items())
        typer.echo(f"{name}: macro-F1 {r['macro_f1']:.3f} (n={r['n']}); {per}")
        typer.echo(f"  published macro-F1: {published}")
    if "open_question_rule" in result:
        r = result["open_question_rule"]
        typer.echo(f"open/closed question rule: accuracy {r['accuracy']:.3f} (n={r['n']})")


def _parse_map(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    mapping = {}
    for item in items:
        label, sep, role = item.rpartition("=")
        if not sep or not label:
            raise typer.BadParameter(f"{item!r}: expected LABEL=ROLE, e.g. 'Anna=client'")
        mapping[label] = role
    return mapping


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[
        str | None, typer.Option("--format", help="One of: " + ", ".join(FORMATS))
    ] = None,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="LABEL=ROLE, repeatable; roles: " + ", ".join(ROLES) + "."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Analyse one transcript: roles, MI codes, talk summary, rupture candidates."""
    from alliance.transcripts.analysis import analyze_transcript

    try:
        result = analyze_transcript(file.read_bytes(), format, _parse_map(speaker))
    except TranscriptError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    s = result.summary
    typer.echo(f"{file.name}: {result.format}, {s.utterances} turns")
    for sp in s.speakers:
        typer.echo(
            f"  {sp.speaker} ({sp.role}): {sp.word_share:.0%} of words, "
            f"{sp.turn_share:.0%} of turns, {sp.mean_turn_words:.1f} words per turn"
        )
    if not result.coded:
        typer.echo(f"  {result.notice}")
        return
    typer.echo(
        f"  reflections:questions {s.reflection_to_question}; open questions "
        f"{s.open_question_share}; change/sustain talk {s.change_talk}/{s.sustain_talk}"
    )
    for c in result.candidates:
        when = c.timestamp or f"turn {c.index}"
        typer.echo(f"  [{when}] {c.category}/{c.marker} ({c.confidence:.2f}): {c.reason}")


if __name__ == "__main__":
    app()
