"""``alliance research``: fit lavaan-syntax models and write reports from CSV files.

Pure (no Django): the lead's ``alliance`` command mounts ``app`` as ``research``.

- ``fit MODEL_FILE DATA.csv [--json] [--missing ml] [--estimator ML|MLR|WLSMV] [--ordered COL,COL...] [--group COL]
  [--group-equal loadings,intercepts,...] [--bootstrap N --seed S] [--std-lv]`` prints
  every free parameter (lhs, op, rhs, est, se, z, pvalue, named as lavaan names them; with
  ``--group`` also ``group``, the group's value in the data; with ``--bootstrap`` also
  ci.lower, ci.upper) and the fit measures (chisq, df, pvalue, cfi, tli, rmsea, srmr,
  aic, bic; with MLR and WLSMV also chisq.scaled, pvalue.scaled, chisq.scaling.factor, cfi.scaled,
  tli.scaled, rmsea.scaled; thresholds of ordered variables as ``x | t1``), and any defined parameters (``:=``) under ``defined``.
- ``dataset TIDY.csv --out-dir DIR [--format csv|parquet|sav]`` writes the consented,
  pseudonymised long and wide data sets and their codebooks.
- ``report TIDY.csv --out FILE.html [--seed N]`` runs the prebuilt analyses on a tidy
  session table (see ``alliance.research.datasets.TIDY_COLUMNS``) and writes an offline
  HTML report.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from alliance.research.sem.payload import fit_payload, payload_json

app = typer.Typer(
    help="Research analytics: SEM in lavaan syntax, reliability, multilevel models, reports.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        err.print(f"[red]No such file:[/red] {path}")
        raise typer.Exit(2)
    return pd.read_csv(path)


@app.command()
def fit(
    model_file: Annotated[Path, typer.Argument(help="lavaan model syntax file")],
    data: Annotated[Path, typer.Argument(help="CSV with one column per observed variable")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    missing: Annotated[
        str, typer.Option(help="'listwise' (complete cases) or 'ml' (full-information ML)")
    ] = "listwise",
    std_lv: Annotated[
        bool, typer.Option("--std-lv", help="fix latent variances to 1, not first loadings")
    ] = False,
    estimator: Annotated[
        str | None,
        typer.Option(
            help="ML (default), MLR (Huber-White SEs, Yuan-Bentler scaled test) or WLSMV "
            "(the default with --ordered)"
        ),
    ] = None,
    ordered: Annotated[
        str | None,
        typer.Option(help="ordered categorical indicators, COL,COL,... (fitted by WLSMV)"),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="column whose values define groups (lavaan's group)")
    ] = None,
    group_equal: Annotated[
        str,
        typer.Option(
            "--group-equal",
            help="held equal across groups: loadings,intercepts,means,residuals,"
            "residual.covariances,lv.variances,lv.covariances,regressions",
        ),
    ] = "",
    bootstrap: Annotated[
        int, typer.Option(help="bootstrap samples for percentile intervals (0: none)")
    ] = 0,
    seed: Annotated[int | None, typer.Option(help="seed of the bootstrap")] = None,
) -> None:
    """Fit a structural equation model in lavaan syntax (ML, MLR, WLSMV; groups; bootstrap)."""
    from alliance.research.sem import ModelSyntaxError, fit_sem

    if missing not in ("listwise", "ml"):
        err.print("[red]--missing must be 'listwise' or 'ml'[/red]")
        raise typer.Exit(2)
    if estimator is not None and estimator.upper() not in ("ML", "MLR", "WLSMV"):
        err.print("[red]--estimator must be ML, MLR or WLSMV[/red]")
        raise typer.Exit(2)
    if bootstrap < 0:
        err.print("[red]--bootstrap must be 0 or more[/red]")
        raise typer.Exit(2)
    if not model_file.exists():
        err.print(f"[red]No such file:[/red] {model_file}")
        raise typer.Exit(2)
    frame = _read_csv(data)
    try:
        result = fit_sem(
            model_file.read_text(),
            frame,
            missing=missing,
            std_lv=std_lv,
            estimator=estimator,
            group=group,
            group_equal=group_equal,
            bootstrap=bootstrap,
            seed=seed,
            ordered=ordered,
        )
    except (ModelSyntaxError, KeyError, ValueError) as exc:
        err.print(f"[red]Cannot fit the model:[/red] {exc}")
        raise typer.Exit(1) from exc
    payload = fit_payload(result)
    if as_json:
        typer.echo(payload_json(payload))
        return
    names = ["lhs", "op", "rhs"] + (["group"] if group else [])
    numbers = ["est", "se", "z", "pvalue"] + (["ci.lower", "ci.upper"] if bootstrap else [])
    for title, key in (
        (f"Free parameters (N = {result.n_obs})", "parameters"),
        ("Defined parameters (delta-method SE)", "defined"),
    ):
        if not payload[key]:
            continue
        table = Table(title=title)
        for col in names + numbers:
            table.add_column(col, justify="left" if col in names else "right")
        for p in payload[key]:
            table.add_row(*(str(p.get(k, "")) for k in names), *(_num(p[k]) for k in numbers))
        console.print(table)
    fit_table = Table(title="Fit measures")
    fit_table.add_column("measure")
    fit_table.add_column("value", justify="right")
    for k, value in payload["fit"].items():
        fit_table.add_row(k, _num(value))
    console.print(fit_table)
    if not result.converged:
        err.print("[yellow]Warning: the optimiser did not converge.[/yellow]")


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "NA"
    return f"{value:.3f}"


@app.command()
def report(
    data: Annotated[Path, typer.Argument(help="tidy session CSV (see TIDY_COLUMNS)")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write")],
    seed: Annotated[int, typer.Option(help="random seed recorded in the report")] = 20240601,
    project_key: Annotated[
        str | None,
        typer.Option(
            envvar="ALLIANCE_RESEARCH_KEY",
            help="key for research ids (default: ALLIANCE_RESEARCH_KEY)",
        ),
    ] = None,
) -> None:
    """Run the prebuilt analyses on a tidy CSV and write a self-contained HTML report."""
    from alliance.research.report import build_report

    frame = _read_csv(data)
    try:
        html = build_report(frame, seed=seed, project_key=project_key)
    except (KeyError, ValueError) as exc:
        err.print(f"[red]Cannot build the report:[/red] {exc}")
        raise typer.Exit(1) from exc
    out.write_text(html, encoding="utf-8")
    console.print(f"Report written to {out}")


@app.command()
def dataset(
    data: Annotated[Path, typer.Argument(help="tidy session CSV (see TIDY_COLUMNS)")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="folder to write into")],
    fmt: Annotated[
        list[str], typer.Option("--format", help="csv, parquet or sav; repeat for several")
    ] = ["csv"],  # noqa: B006 - typer reads the default, never mutates it
    project_key: Annotated[
        str | None,
        typer.Option(envvar="ALLIANCE_RESEARCH_KEY", help="research-id key (16+ bytes)"),
    ] = None,
) -> None:
    """Build the consented, pseudonymised long and wide data sets with codebooks."""
    from alliance.research.datasets import build_datasets, write_dataset

    if not project_key:
        err.print("[red]A project key is needed (--project-key or ALLIANCE_RESEARCH_KEY).[/red]")
        raise typer.Exit(2)
    bad = [f for f in fmt if f not in ("csv", "parquet", "sav")]
    if bad:
        err.print(f"[red]Unknown format: {', '.join(bad)}[/red]")
        raise typer.Exit(2)
    frame = _read_csv(data)
    try:
        ds = build_datasets(frame, project_key)
    except (KeyError, ValueError) as exc:
        err.print(f"[red]Cannot build the data set:[/red] {exc}")
        raise typer.Exit(1) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table, codebook in (
        ("long", ds.long, ds.codebook_long),
        ("wide", ds.wide, ds.codebook_wide),
    ):
        for f in fmt:
            write_dataset(table, codebook, out_dir / f"{name}.{f}")
        codebook.to_csv(out_dir / f"codebook_{name}.csv", index=False)
    console.print(
        f"{ds.n_clients} consenting clients ({ds.n_excluded_clients} left out): "
        f"{len(ds.long)} long rows, {len(ds.wide)} episodes, written to {out_dir}"
    )
